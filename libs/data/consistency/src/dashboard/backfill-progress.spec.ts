import { backfillProgress, ratePerSecond } from './backfill-progress';

const at = (s: number) => new Date(Date.UTC(2026, 11, 5, 6, 0, s));

describe('backfillProgress', () => {
  it('is null for an entity no backfill has started', () => {
    expect(backfillProgress([], 100, at(10))).toBeNull();
  });

  it('sums the shards, measures the rate from the first start to now and projects the rest while running', () => {
    const progress = backfillProgress(
      [
        { status: 'completed', processed: 300, failed: 0, startedAt: at(0), updatedAt: at(5), completedAt: at(5) },
        { status: 'running', processed: 200, failed: 2, startedAt: at(0), updatedAt: at(9), completedAt: null },
      ],
      1_000,
      at(10),
    );
    expect(progress).toEqual({ shards: 2, status: 'running', processed: 500, failed: 2, fraction: 0.5, rowsPerSecond: 50, etaSeconds: 10 });
  });

  it('ends the rate at the last completion once every shard is done, with no time left', () => {
    const progress = backfillProgress(
      [
        { status: 'completed', processed: 400, failed: 0, startedAt: at(0), updatedAt: at(4), completedAt: at(4) },
        { status: 'completed', processed: 400, failed: 0, startedAt: at(1), updatedAt: at(8), completedAt: at(8) },
      ],
      // the live writer added rows after the backfill: progress stays at most 1
      700,
      at(30),
    );
    expect(progress).toMatchObject({ status: 'completed', fraction: 1, rowsPerSecond: 100, etaSeconds: 0 });
  });

  it('shows a failed shard over running ones and gives no ETA for it', () => {
    const progress = backfillProgress(
      [
        { status: 'failed', processed: 10, failed: 1, startedAt: at(0), updatedAt: at(2), completedAt: null },
        { status: 'running', processed: 10, failed: 0, startedAt: at(0), updatedAt: at(2), completedAt: null },
      ],
      100,
      at(4),
    );
    expect(progress).toMatchObject({ status: 'failed', etaSeconds: null });
  });
});

describe('ratePerSecond', () => {
  it('is the count gained per second between samples, never negative, null without a previous one', () => {
    expect(ratePerSecond(undefined, { rows: 10, at: 1_000 })).toBeNull();
    expect(ratePerSecond({ rows: 10, at: 1_000 }, { rows: 40, at: 3_000 })).toBe(15);
    expect(ratePerSecond({ rows: 40, at: 1_000 }, { rows: 10, at: 3_000 })).toBe(0);
    expect(ratePerSecond({ rows: null, at: 1_000 }, { rows: 10, at: 3_000 })).toBeNull();
  });
});
