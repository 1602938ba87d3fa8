import type { Pool } from 'pg';
import type { MigratedEntity } from '@mch/contracts';
import { ENTITY_SOURCES } from '@mch/data-kafka-migration';

/** One backfill shard as its checkpoint row has it, with rate and ETA derived from it. */
export interface BackfillShardProgress {
  entity: string;
  shard: string;
  status: string;
  processed: number;
  failed: number;
  /** Rows of this shard by the planner's estimate (the table's reltuples over the shard count); null unknown. */
  estimatedRows: number | null;
  rowsPerSecond: number;
  etaSeconds: number | null;
  lastProgressAt: number | null;
}

/**
 * The backfill shards of one migration id, read from the checkpoint tables (the Job that does the
 * work has no HTTP port; the kafka-migrator service reports on its behalf). Rate is rows over the
 * time the shard has run; ETA is what is left of the estimate at that rate, 0 once completed.
 */
export async function readBackfillProgress(
  pool: Pool,
  migrationId: string | null,
): Promise<BackfillShardProgress[]> {
  const { rows } = await pool.query<{
    entity_type: string;
    shard: string | null;
    status: string;
    total_processed: string;
    total_failed: string;
    seconds: number | null;
    updated: number | null;
  }>(
    `SELECT entity_type, metadata->>'shard' AS shard, status, total_processed, total_failed,
            extract(epoch FROM coalesce(completed_at, updated_at) - started_at)::float8 AS seconds,
            extract(epoch FROM updated_at)::float8 AS updated
       FROM data_migration_state
      WHERE migration_name LIKE '%:backfill:%' AND ($1::text IS NULL OR metadata->>'migrationId' = $1)`,
    [migrationId],
  );
  const tables = [
    ...new Set(rows.map((r) => ENTITY_SOURCES[r.entity_type as MigratedEntity]?.table).filter(Boolean)),
  ];
  const estimates = new Map<string, number>();
  if (tables.length > 0) {
    const est = await pool.query<{ relname: string; n: number }>(
      `SELECT relname, greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE relkind IN ('r', 'p') AND relname = ANY($1) AND relnamespace = 'public'::regnamespace`,
      [tables],
    );
    for (const r of est.rows) estimates.set(r.relname, r.n);
  }
  return rows.map((r) => {
    const processed = Number(r.total_processed) + Number(r.total_failed);
    const count = Number((r.shard ?? '0/1').split('/')[1]) || 1;
    const table = ENTITY_SOURCES[r.entity_type as MigratedEntity]?.table;
    const estimate =
      table !== undefined && estimates.has(table)
        ? Math.round((estimates.get(table) as number) / count)
        : null;
    const rate = r.seconds && r.seconds > 0 ? processed / r.seconds : 0;
    const eta =
      r.status === 'completed'
        ? 0
        : estimate !== null && rate > 0
          ? Math.max(0, (estimate - processed) / rate)
          : null;
    return {
      entity: r.entity_type,
      shard: r.shard ?? '0/1',
      status: r.status,
      processed: Number(r.total_processed),
      failed: Number(r.total_failed),
      estimatedRows: estimate,
      rowsPerSecond: rate,
      etaSeconds: eta,
      lastProgressAt: r.updated,
    };
  });
}

/** Every replication slot of this database: WAL it holds back, how far its consumer is behind, room left before max_slot_wal_keep_size invalidates it. */
export interface SlotWal {
  slot: string;
  retainedBytes: number;
  lagBytes: number;
  /** Bytes the slot may still fall behind before it is invalidated; null when unlimited (max_slot_wal_keep_size -1). */
  safeBytes: number | null;
}

export async function readSlotWal(pool: Pool): Promise<{ slots: SlotWal[]; keepMaxBytes: number | null }> {
  const slots = await pool.query<{
    slot_name: string;
    retained: string | null;
    lag: string | null;
    safe: string | null;
  }>(
    `SELECT slot_name,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained,
            pg_wal_lsn_diff(pg_current_wal_lsn(), coalesce(confirmed_flush_lsn, restart_lsn))::bigint::text AS lag,
            safe_wal_size::text AS safe
       FROM pg_replication_slots WHERE database = current_database()`,
  );
  const setting = await pool.query<{ bytes: string | null }>(
    `SELECT CASE WHEN setting::bigint < 0 THEN NULL ELSE (setting::bigint * 1024 * 1024)::text END AS bytes
       FROM pg_settings WHERE name = 'max_slot_wal_keep_size'`,
  );
  return {
    slots: slots.rows.map((r) => ({
      slot: r.slot_name,
      retainedBytes: Number(r.retained ?? 0),
      lagBytes: Number(r.lag ?? 0),
      safeBytes: r.safe === null ? null : Number(r.safe),
    })),
    keepMaxBytes: setting.rows[0]?.bytes ? Number(setting.rows[0].bytes) : null,
  };
}
