import { balancedChunks, GRPC_MESSAGE_LIMIT, splitBySize, writeObjects, type InsertManyTarget, type WriteObject } from './batch-writer';
import { isTransientObjectError } from './object-errors';

const objects: WriteObject[] = Array.from({ length: 7 }, (_, i) => ({ id: `id-${i}`, properties: { n: i }, vector: [i, 1] }));

/** A fake collection answering with the errors `script` gives for (how often this id was sent, id). */
function target(script: (sends: number, id: string) => string | undefined) {
  const calls: string[][] = [];
  const sent = new Map<string, number>();
  const t: InsertManyTarget = {
    insertMany: async (batch) => {
      calls.push(batch.map((o) => o.id));
      const errors: Record<number, { message: string }> = {};
      batch.forEach((o, i) => {
        sent.set(o.id, (sent.get(o.id) ?? 0) + 1);
        const message = script(sent.get(o.id) ?? 0, o.id);
        if (message) errors[i] = { message };
      });
      return { errors };
    },
  };
  return { t, calls };
}

const options = { batchSize: 3, concurrency: 2, maxObjectAttempts: 3, retryBaseDelayMs: 100 };

describe('writeObjects', () => {
  it('sends requests of batchSize objects with the vector under the default name', async () => {
    const sent: unknown[] = [];
    const t: InsertManyTarget = { insertMany: async (batch) => (sent.push(...batch), { errors: {} }) };
    expect(await writeObjects(t, objects, 'C', options)).toEqual(new Map());
    expect(sent).toHaveLength(7);
    expect(sent[1]).toEqual({ id: 'id-1', properties: { n: 1 }, vectors: { default: [1, 1] } });
  });

  it('keeps each request within maxRequestBytes: multi-megabyte texts go in smaller requests', async () => {
    const big = (i: number): WriteObject => ({ id: `big-${i}`, properties: { description: `\u{1F600}${'x'.repeat(5 * 1024 * 1024)}` } });
    const { t, calls } = target(() => undefined);
    // Without the budget: two requests ([big-0, id-0, id-1], [big-1, big-2]), 10 MB in the second.
    await writeObjects(t, [big(0), ...objects.slice(0, 2), big(1), big(2)], 'C', { ...options, batchSize: 10, maxRequestBytes: 8 * 1024 * 1024 });
    expect(calls.flat().sort()).toEqual(['big-0', 'big-1', 'big-2', 'id-0', 'id-1']);
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call.filter((id) => id.startsWith('big'))).toHaveLength(1);
  });

  it('refuses an object no gRPC request can carry, naming its size and the limit, and writes the rest', async () => {
    const { t, calls } = target(() => undefined);
    const huge: WriteObject = { id: 'huge', properties: { description: 'y'.repeat(GRPC_MESSAGE_LIMIT) } };
    const failures = await writeObjects(t, [objects[0], huge], 'C', options);
    expect(failures).toEqual(new Map([[1, `object huge holds ${GRPC_MESSAGE_LIMIT} bytes of properties; a Weaviate gRPC request carries at most ${GRPC_MESSAGE_LIMIT} bytes`]]));
    expect(calls).toEqual([['id-0']]);
  });

  it('returns permanent per-object errors by index and writes the rest', async () => {
    const { t, calls } = target((_, id) => (id === 'id-4' ? "invalid integer property 'n'" : undefined));
    const failures = await writeObjects(t, objects, 'C', options);
    expect(failures).toEqual(new Map([[4, "invalid integer property 'n'"]]));
    expect(calls.flat()).toHaveLength(7);
  });

  it('re-sends only the transiently failed objects, with growing delays', async () => {
    const sleeps: number[] = [];
    const { t, calls } = target((sends, id) => (id === 'id-2' && sends <= 2 ? 'shard is read-only' : id === 'id-5' && sends <= 1 ? 'context deadline exceeded' : undefined));
    const retries: number[] = [];
    const failures = await writeObjects(t, objects, 'C', {
      ...options,
      sleep: async (ms) => void sleeps.push(ms),
      onRetry: (info) => retries.push(info.objects),
    });
    expect(failures.size).toBe(0);
    expect(calls.flat()).toHaveLength(7 + 2 + 1);
    expect(calls.slice(-3).flat().sort()).toEqual(['id-2', 'id-2', 'id-5']);
    expect(retries).toEqual([2, 1]);
    expect(sleeps).toEqual([100, 200]);
  });

  it('throws STORE_UNAVAILABLE naming the collection when transient errors outlast the attempts', async () => {
    const { t } = target((_, id) => (id === 'id-0' ? 'connection refused' : undefined));
    await expect(writeObjects(t, objects, 'Opportunity', { ...options, sleep: async () => undefined })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringMatching(/^weaviate Opportunity: 1 objects still failing after 3 attempts: connection refused/),
    });
  });

  it('lets a failed request (not a per-object error) propagate', async () => {
    const t: InsertManyTarget = { insertMany: async () => Promise.reject(new Error('UNAVAILABLE: connection dropped')) };
    await expect(writeObjects(t, objects, 'C', options)).rejects.toThrow('connection dropped');
  });

  it('on a failed request starts no further request and rejects only after those in flight settle', async () => {
    const events: string[] = [];
    let releaseSlow!: () => void;
    const t: InsertManyTarget = {
      insertMany: async (batch) => {
        const first = batch[0].id;
        events.push(`start ${first}`);
        if (first === 'id-0') throw new Error('connection lost');
        if (first === 'id-1') await new Promise<void>((resolve) => (releaseSlow = resolve));
        events.push(`end ${first}`);
        return { errors: {} };
      },
    };
    // batchSize 1, concurrency 2: id-0 fails at once while id-1 is still being sent.
    const writing = writeObjects(t, objects, 'C', { ...options, batchSize: 1 }).catch((error: Error) => {
      events.push(`rejected ${error.message}`);
    });
    await new Promise((resolve) => setImmediate(resolve));
    releaseSlow();
    await writing;
    expect(events).toEqual(['start id-0', 'start id-1', 'end id-1', 'rejected connection lost']);
  });
});

describe('balancedChunks', () => {
  const sizes = (n: number, max: number, c: number) => balancedChunks(Array.from({ length: n }, (_, i) => i), max, c).map((x) => x.length);

  it('gives every worker the same number of requests of nearly equal size, none above the maximum', () => {
    expect(sizes(5000, 200, 8)).toEqual(new Array(32).fill(157).slice(0, 31).concat([5000 - 31 * 157]));
    expect(sizes(1600, 200, 8)).toEqual(new Array(8).fill(200));
    expect(sizes(1700, 200, 8)).toHaveLength(16);
    expect(Math.max(...sizes(1700, 200, 8))).toBeLessThanOrEqual(200);
  });

  it('sends small batches in one request per object at most', () => {
    expect(sizes(3, 200, 8)).toEqual([1, 1, 1]);
    expect(sizes(0, 200, 8)).toEqual([]);
  });

  it('keeps every item exactly once, in order', () => {
    expect(balancedChunks([1, 2, 3, 4, 5, 6, 7], 2, 2).flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('isTransientObjectError', () => {
  it.each(['context deadline exceeded', 'shard Opportunity_x is read-only', 'rpc error: code = Unavailable', 'unexpected EOF'])('%s is transient', (m) =>
    expect(isTransientObjectError(m)).toBe(true),
  );
  it.each([
    "invalid integer property 'n' on class 'X': requires an integer",
    "insert to vector index: ... 3 vs 2: vector lengths don't match",
    'id already exists',
  ])('%s is permanent', (m) => expect(isTransientObjectError(m)).toBe(false));
});

describe('splitBySize', () => {
  it('splits requests at the byte budget, keeping order; an object over it goes alone', () => {
    const sizes = [5, 5, 5, 20, 1, 1];
    expect(splitBySize([[0, 1, 2, 3, 4, 5]], (i) => sizes[i], 10)).toEqual([[0, 1], [2], [3], [4, 5]]);
    expect(splitBySize([[0, 1], [2]], (i) => sizes[i], 100)).toEqual([[0, 1], [2]]);
  });
});
