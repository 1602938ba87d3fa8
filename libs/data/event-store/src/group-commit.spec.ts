import { GroupCommitter } from './group-commit';

/** A writer whose batches finish only when the test says so. */
function gatedWriter() {
  const batches: string[][] = [];
  const gates: Array<() => void> = [];
  const write = (items: string[]) =>
    new Promise<Array<string | Error>>((resolve) => {
      batches.push(items);
      gates.push(() => resolve(items.map((item) => (item.endsWith('!') ? new Error(`refused ${item}`) : `ok ${item}`))));
    });
  return { batches, write, release: (i: number) => gates[i]() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommitter', () => {
  it('sends a lone append at once, and gathers the appends that arrive while batches are open into one', async () => {
    const w = gatedWriter();
    const committer = new GroupCommitter(w.write, { maxBatch: 64, maxInFlight: 1 });
    const first = committer.submit('a', 'a1');
    await tick();
    expect(w.batches).toEqual([['a1']]);
    const later = ['b1', 'c1', 'd1'].map((item) => committer.submit(item[0], item));
    await tick();
    expect(w.batches).toHaveLength(1);
    expect(committer.queued).toBe(3);
    w.release(0);
    await expect(first).resolves.toBe('ok a1');
    await tick();
    expect(w.batches[1]).toEqual(['b1', 'c1', 'd1']);
    w.release(1);
    await expect(Promise.all(later)).resolves.toEqual(['ok b1', 'ok c1', 'ok d1']);
  });

  it('never puts two appends of one key in open batches, and keeps each key in submission order', async () => {
    const w = gatedWriter();
    const committer = new GroupCommitter(w.write, { maxBatch: 64, maxInFlight: 2 });
    const all = [committer.submit('a', 'a1'), committer.submit('a', 'a2'), committer.submit('b', 'b1'), committer.submit('a', 'a3')];
    await tick();
    // a1 alone (nothing waited); then b1, since a2 waits for a1's batch and a3 may not overtake a2.
    expect(w.batches).toEqual([['a1'], ['b1']]);
    w.release(1);
    await tick();
    expect(w.batches).toHaveLength(2);
    w.release(0);
    await tick();
    expect(w.batches[2]).toEqual(['a2']);
    w.release(2);
    await tick();
    expect(w.batches[3]).toEqual(['a3']);
    w.release(3);
    await expect(Promise.all(all)).resolves.toEqual(['ok a1', 'ok a2', 'ok b1', 'ok a3']);
  });

  it('caps a batch at maxBatch', async () => {
    const w = gatedWriter();
    const committer = new GroupCommitter(w.write, { maxBatch: 2, maxInFlight: 1 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((k) => committer.submit(k, `${k}1`));
    await tick();
    w.release(0);
    await tick();
    w.release(1);
    await tick();
    w.release(2);
    await Promise.all(all);
    expect(w.batches).toEqual([['a1'], ['b1', 'c1'], ['d1', 'e1']]);
  });

  it("gives each append its own outcome, and a failed batch's error to every append in it", async () => {
    const w = gatedWriter();
    const committer = new GroupCommitter(w.write, { maxBatch: 64, maxInFlight: 1 });
    const first = committer.submit('a', 'a1');
    const refused = committer.submit('b', 'b1!');
    const fine = committer.submit('c', 'c1');
    await tick();
    w.release(0);
    await tick();
    w.release(1);
    await expect(first).resolves.toBe('ok a1');
    await expect(refused).rejects.toThrow('refused b1!');
    await expect(fine).resolves.toBe('ok c1');

    const failing = new GroupCommitter<string, string>(() => Promise.reject(new Error('connection lost')), { maxBatch: 8, maxInFlight: 1 });
    const outcomes = await Promise.allSettled(['x', 'y'].map((k) => failing.submit(k, k)));
    expect(outcomes.map((o) => (o as PromiseRejectedResult).reason.message)).toEqual(['connection lost', 'connection lost']);
    // The committer is not stuck after a failure.
    const recovering = new GroupCommitter<string, string>(async (items) => items, { maxBatch: 8, maxInFlight: 1 });
    await expect(recovering.submit('k', 'v')).resolves.toBe('v');
    expect(failing.queued).toBe(0);
  });

  it('refuses a writer that returns a different number of outcomes than appends', async () => {
    const committer = new GroupCommitter<string, string>(async () => [], { maxBatch: 8, maxInFlight: 1 });
    await expect(committer.submit('a', 'a1')).rejects.toThrow('a batch of 1 appends returned 0 outcomes');
  });
});
