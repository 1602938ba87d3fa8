/**
 * Group commit of concurrent appends: while `maxInFlight` batches are being written, new appends
 * wait, and the next batch takes every waiting append (up to `maxBatch`) into one statement and
 * one commit. A lone append goes out at once, so batching adds no latency when nothing is
 * waiting; under load one round trip, one plan execution and one WAL flush serve many appends.
 *
 * A key (the aggregate id) is in at most one open batch, once: appends to one stream are written
 * in the order they were submitted, each seeing the version the one before it committed, because
 * the later one waits until the batch holding the earlier one is done.
 */
export interface GroupCommitOptions {
  maxBatch: number;
  maxInFlight: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 64, maxInFlight: 2 };

interface Pending<I, R> {
  key: string;
  item: I;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/** Writes one batch; returns one outcome per item, in the batch's order (a value or an Error to reject with). */
export type WriteBatch<I, R> = (items: I[]) => Promise<Array<R | Error>>;

export class GroupCommitter<I, R> {
  private readonly waiting: Pending<I, R>[] = [];
  /** Keys with an append in an open batch. */
  private readonly busy = new Set<string>();
  private inFlight = 0;

  constructor(
    private readonly write: WriteBatch<I, R>,
    private readonly options: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
  ) {
    if (options.maxBatch < 1 || options.maxInFlight < 1) throw new Error('group commit needs maxBatch and maxInFlight of at least 1');
  }

  submit(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ key, item, resolve, reject });
      this.flush();
    });
  }

  /** Appends waiting for a batch (for metrics and tests). */
  get queued(): number {
    return this.waiting.length;
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.inFlight += 1;
      void this.run(batch);
    }
  }

  /**
   * The oldest waiting appends whose key is in no open batch, at most one per key, in submission
   * order; the rest keep their places.
   */
  private take(): Pending<I, R>[] {
    const batch: Pending<I, R>[] = [];
    const skipped = new Set<string>();
    for (let i = 0; i < this.waiting.length && batch.length < this.options.maxBatch; ) {
      const pending = this.waiting[i];
      if (this.busy.has(pending.key) || skipped.has(pending.key)) {
        // A later append of a skipped key must not overtake the earlier one still waiting.
        skipped.add(pending.key);
        i += 1;
        continue;
      }
      this.busy.add(pending.key);
      batch.push(pending);
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async run(batch: Pending<I, R>[]): Promise<void> {
    try {
      const outcomes = await this.write(batch.map((p) => p.item));
      if (outcomes.length !== batch.length) throw new Error(`a batch of ${batch.length} appends returned ${outcomes.length} outcomes`);
      batch.forEach((pending, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Error) pending.reject(outcome);
        else pending.resolve(outcome);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      for (const pending of batch) this.busy.delete(pending.key);
      this.inFlight -= 1;
      this.flush();
    }
  }
}
