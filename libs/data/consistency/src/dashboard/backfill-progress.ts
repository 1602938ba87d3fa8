import type { BackfillProgress } from './dashboard-state';

export interface BackfillShardRow {
  status: string;
  processed: number;
  failed: number;
  startedAt: Date | null;
  updatedAt: Date;
  completedAt: Date | null;
}

const ORDER: BackfillProgress['status'][] = ['failed', 'running', 'paused', 'pending', 'completed'];

/**
 * One entity's backfill across its shards: the worst status wins (any failed shard, then any
 * running one; completed only when every shard is), the rate is rows over the time from the first start to the last update (or now
 * while running), and the ETA divides what the source still holds beyond the processed rows by it.
 */
export function backfillProgress(shards: BackfillShardRow[], sourceRows: number | null, now: Date): BackfillProgress | null {
  if (shards.length === 0) return null;
  const status = ORDER.find((s) => shards.some((shard) => shard.status === s)) ?? 'pending';
  const processed = shards.reduce((n, s) => n + s.processed, 0);
  const failed = shards.reduce((n, s) => n + s.failed, 0);
  const starts = shards.flatMap((s) => (s.startedAt ? [s.startedAt.getTime()] : []));
  const end = status === 'running' ? now.getTime() : Math.max(...shards.map((s) => (s.completedAt ?? s.updatedAt).getTime()));
  const seconds = starts.length > 0 ? (end - Math.min(...starts)) / 1000 : 0;
  const rowsPerSecond = seconds > 0 ? processed / seconds : null;
  // Completed is all of it: rows the live writer deleted meanwhile leave processed above or below the count now.
  const fraction = status === 'completed' || sourceRows === 0 ? 1 : sourceRows === null ? 0 : Math.min(1, processed / sourceRows);
  let etaSeconds: number | null = null;
  if (status === 'completed') etaSeconds = 0;
  else if (status === 'running' && rowsPerSecond && sourceRows !== null) etaSeconds = Math.max(0, sourceRows - processed) / rowsPerSecond;
  return { shards: shards.length, status, processed, failed, fraction, rowsPerSecond, etaSeconds };
}

/** Rows per second between two samples of a count; null without a previous sample or time between them. */
export function ratePerSecond(previous: { rows: number | null; at: number } | undefined, current: { rows: number | null; at: number }): number | null {
  if (!previous || previous.rows === null || current.rows === null || current.at <= previous.at) return null;
  return Math.max(0, (current.rows - previous.rows) / ((current.at - previous.at) / 1000));
}
