import { readWholeTopic } from '@mch/testing-stack';
import { ENTITIES, Pipeline, runEntry } from './support/pipeline';
import { TcpFaultProxy, type Matcher } from './support/tcp-fault-proxy';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LEASE_TTL_MS = 1_000;

/**
 * The COMMIT of the n-th "chunk pending" checkpoint save (recorded just before the chunk is
 * published), recognised on its own connection: the request whose answer is held.
 */
function nthPendingCommit(n: number): Matcher {
  let seen = 0;
  return (text, memo) => {
    if (text.includes('"pending"')) memo.pending = 1;
    else if (memo.pending === 1 && /COMMIT/.test(text)) {
      memo.pending = 0;
      seen += 1;
      return seen === n;
    }
    return false;
  };
}

/**
 * A backfill pod that stalls past its lease (a long GC pause, a partition from PostgreSQL) while a
 * second pod takes the shard over: the answer to the first pod's "chunk pending" checkpoint commit
 * is held by a proxy until the second pod has finished the shard. The first pod must then stop
 * without publishing (its lease is gone), and the topic must hold every row of the shard once.
 */
describe('a backfill pod losing its lease mid-run to a second pod', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await Pipeline.create('lease', 200);
    await pipeline.ready(await pipeline.startMigrator());
  }, 240_000);

  afterAll(async () => {
    await pipeline?.close();
  }, 120_000);

  it('the fenced-out pod publishes nothing more, the shard is published once, Kafka exact', async () => {
    const proxy = await new TcpFaultProxy('127.0.0.1', Number(pipeline.env.PGPORT)).start();
    const env = { BATCH_SIZE: '20', LEASE_TTL_MS: String(LEASE_TTL_MS) };
    try {
      const held = proxy.holdReplies(nthPendingCommit(3));
      const first = runEntry(
        'apps/kafka-migrator/src/main.ts',
        [],
        pipeline.backfillEnv({ ...env, HOSTNAME: 'backfill-a', PGPORT: String(proxy.port), PGHOST: '127.0.0.1' }),
      );
      await held;
      await sleep(LEASE_TTL_MS * 2);
      const second = await runEntry('apps/kafka-migrator/src/main.ts', [], pipeline.backfillEnv({ ...env, HOSTNAME: 'backfill-b' }));
      expect({ code: second.code, tail: second.code === 0 ? '' : second.stderr.slice(-3000) }).toEqual({ code: 0, tail: '' });
      proxy.release();
      const fenced = await first;
      expect(fenced.code).not.toBe(0);
      expect(`${fenced.stdout}${fenced.stderr}`).toMatch(/lost the lease|owned by another worker/);
    } finally {
      await proxy.stop();
    }
    // Nothing is written meanwhile: every row is one snapshot event, and a range published by both
    // pods shows as keys published twice.
    const perKey = new Map<string, number>();
    for (const entity of ENTITIES)
      for (const m of await readWholeTopic(pipeline.kafka, pipeline.topic(entity)))
        if (m.key) perKey.set(`${entity} ${m.key}`, (perKey.get(`${entity} ${m.key}`) ?? 0) + 1);
    const rows = await pipeline.db.pool.query<{ n: string }>(
      `SELECT ((SELECT count(*) FROM opportunities) + (SELECT count(*) FROM contract_documents))::text AS n`,
    );
    expect({
      keys: perKey.size,
      publishedTwice: [...perKey].filter(([, n]) => n > 1).map(([key, n]) => `${key} x${n}`),
    }).toEqual({ keys: Number(rows.rows[0]?.n), publishedTwice: [] });
    const check = await pipeline.check(['kafka']);
    expect({ pairs: check.pairs, failures: check.failures }).toEqual(Pipeline.consistent(['kafka']));
  }, 300_000);
});
