import type { Pool } from 'pg';

/**
 * The migration's watermark: the last time its runs recorded progress (a backfill completing, a
 * checkpoint saved) in data_migration_state. A row that changed after it may not have reached
 * the targets yet. Null when the migration has recorded nothing.
 */
export async function migrationWatermark(pool: Pool, migrationId: string): Promise<Date | null> {
  const { rows } = await pool.query<{ at: Date | null }>(
    `SELECT max(coalesce(completed_at, updated_at)) AS at FROM data_migration_state WHERE metadata ->> 'migrationId' = $1`,
    [migrationId],
  );
  return rows[0]?.at ?? null;
}

/**
 * Rows changed after the cutoff are in flight: the earlier of the watermark and "now minus the
 * allowed lag". A lag of zero with no watermark means nothing is in flight (everything counts).
 */
export function inFlightCutoff(now: Date, watermark: Date | null, lagMs: number): Date {
  const lagged = now.getTime() - Math.max(0, lagMs);
  return new Date(watermark === null ? lagged : Math.min(watermark.getTime(), lagged));
}
