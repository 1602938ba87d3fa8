// Measures what keeping the plan's tracking columns (migration 017: processed_by_services,
// last_sync_to_kafka, embedding_version, ...) costs per processed event, against writing the same
// facts to service_processing_log and reading them through the entity_processing_status view
// (migration 020). On the local stack:
//   node -r ./tools/scripts/register.js tools/bench/tracking-cost.ts [rows=20000] [repeats=5]
// WAL bytes come from pg_current_wal_insert_lsn(), which is cluster-wide: other writers on a
// shared server only add bytes, so the minimum over the repeats is the closest figure. Changes fed
// back to change capture are exact (a pgoutput slot of this database, over the migrator's
// publication of the monolith tables).
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ProcessingLog } from '@mch/data-consumer-loop';
import { createMigratedDatabase } from '@mch/testing-stack';

const rows = Number(process.argv[2] ?? 20_000);
const repeats = Number(process.argv[3] ?? 5);
const BATCH = 1_000;

const wal = async (pool: Pool) => BigInt((await pool.query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS p`)).rows[0].p);

/** Row changes (pgoutput I/U/D messages) the slot holds, and their bytes; consumes them. */
async function drainSlot(pool: Pool, slot: string, publication: string): Promise<{ changes: number; bytes: number }> {
  const result = await pool.query<{ changes: string; bytes: string | null }>(
    `SELECT count(*) FILTER (WHERE get_byte(data, 0) IN (73, 85, 68))::text AS changes,
            sum(octet_length(data)) FILTER (WHERE get_byte(data, 0) IN (73, 85, 68))::text AS bytes
       FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`,
    [slot, publication],
  );
  return { changes: Number(result.rows[0].changes), bytes: Number(result.rows[0].bytes ?? 0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs: number[]) => Math.min(...xs);

async function main(): Promise<void> {
  const db = await createMigratedDatabase('tracking_cost', { load: { opportunities: rows, seed: 7 } });
  const slot = `tracking_cost_${randomUUID().slice(0, 8)}`;
  const publication = `${slot}_pub`;
  try {
    const pool = db.pool;
    // The columns as migration 017 added them (020 replaces them by the view).
    await pool.query(`ALTER TABLE opportunities ADD COLUMN IF NOT EXISTS processed_by_services jsonb DEFAULT '{}',
                        ADD COLUMN IF NOT EXISTS last_sync_to_kafka timestamptz, ADD COLUMN IF NOT EXISTS embedding_version integer DEFAULT 0`);
    await pool.query(`CREATE PUBLICATION ${publication} FOR TABLE opportunities, proposals, contract_documents, companies, usage_records`);
    await pool.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    const ids = (await pool.query<{ id: string }>(`SELECT id::text FROM opportunities ORDER BY id`)).rows.map((r) => r.id);
    const rowBytes = await pool.query<{ avg: string }>(`SELECT avg(pg_column_size(o.*))::int::text AS avg FROM opportunities o`);
    const indexes = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_indexes WHERE tablename = 'opportunities'`);
    const log = new ProcessingLog(pool, 'weaviate-indexer');
    const columns = { wal: [] as number[], changes: [] as number[], decoded: [] as number[], ms: [] as number[] };
    const logged = { wal: [] as number[], changes: [] as number[], decoded: [] as number[], ms: [] as number[] };
    const hotBefore = await pool.query(`SELECT n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables WHERE relname = 'opportunities'`);

    for (let r = 0; r < repeats; r++) {
      await drainSlot(pool, slot, publication);
      // (a) A service marks each processed row in the row itself: one UPDATE per batch, as a consumer would.
      let start = await wal(pool);
      let t = Date.now();
      for (let i = 0; i < ids.length; i += BATCH) {
        await pool.query(
          `UPDATE opportunities SET processed_by_services = coalesce(processed_by_services, '{}') || jsonb_build_object('weaviate-indexer', now()),
                                    last_sync_to_kafka = now(), embedding_version = $2
            WHERE id = ANY($1::uuid[])`,
          [ids.slice(i, i + BATCH), r + 1],
        );
      }
      columns.ms.push(((Date.now() - t) * 1_000) / ids.length);
      columns.wal.push(Number((await wal(pool)) - start) / ids.length);
      let fed = await drainSlot(pool, slot, publication);
      columns.changes.push(fed.changes / ids.length);
      columns.decoded.push(fed.bytes / ids.length);

      // (b) The same facts as processing-log rows (what the view reads).
      start = await wal(pool);
      t = Date.now();
      for (let i = 0; i < ids.length; i += BATCH) {
        await log.record(
          ids.slice(i, i + BATCH).map((id) => ({
            entityId: id,
            entityType: 'Opportunity',
            action: 'index',
            status: 'succeeded' as const,
            correlationId: randomUUID(),
            causationId: randomUUID(),
            metadata: { embeddingVersion: r + 1, sourcePosition: 'lsn:0000000000000001' },
          })),
        );
      }
      logged.ms.push(((Date.now() - t) * 1_000) / ids.length);
      logged.wal.push(Number((await wal(pool)) - start) / ids.length);
      fed = await drainSlot(pool, slot, publication);
      logged.changes.push(fed.changes / ids.length);
      logged.decoded.push(fed.bytes / ids.length);
    }
    const hotAfter = await pool.query(`SELECT n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables WHERE relname = 'opportunities'`);
    const updates = Number(hotAfter.rows[0].upd) - Number(hotBefore.rows[0].upd);
    const hot = Number(hotAfter.rows[0].hot) - Number(hotBefore.rows[0].hot);

    // Reading the view: one entity, and 1,000 entities, over rows x repeats log rows.
    const view = await pool.query(`SELECT to_regclass('entity_processing_status') IS NOT NULL AS present`);
    let viewOne: number | null = null;
    let viewMany: number | null = null;
    if (view.rows[0].present) {
      await pool.query('ANALYZE service_processing_log');
      const timeIt = async (sql: string, params: unknown[]) => {
        const samples: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t0 = process.hrtime.bigint();
          await pool.query(sql, params);
          samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        return median(samples);
      };
      viewOne = await timeIt(`SELECT * FROM entity_processing_status WHERE entity_type = 'Opportunity' AND entity_id = $1`, [ids[Math.floor(ids.length / 2)]]);
      viewMany = await timeIt(`SELECT * FROM entity_processing_status WHERE entity_type = 'Opportunity' AND entity_id = ANY($1::text[])`, [ids.slice(0, 1_000)]);
    }
    const fmt = (xs: number[]) => `min ${min(xs).toFixed(1)}, median ${median(xs).toFixed(1)}`;
    const report = {
      server: (await pool.query(`SELECT version() AS v`)).rows[0].v,
      rows,
      repeats,
      opportunityRowBytes: Number(rowBytes.rows[0].avg),
      opportunityIndexes: Number(indexes.rows[0].n),
      trackingColumns: {
        walBytesPerEvent: fmt(columns.wal),
        capturedChangesPerEvent: fmt(columns.changes),
        capturedBytesPerEvent: fmt(columns.decoded),
        microsecondsPerEvent: fmt(columns.ms),
        hotUpdates: `${hot} of ${updates}`,
      },
      processingLog: {
        walBytesPerEvent: fmt(logged.wal),
        capturedChangesPerEvent: fmt(logged.changes),
        capturedBytesPerEvent: fmt(logged.decoded),
        microsecondsPerEvent: fmt(logged.ms),
      },
      viewMs: { oneEntity: viewOne, thousandEntities: viewMany, logRows: rows * repeats },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await db.pool.query(`SELECT pg_drop_replication_slot($1)`, [slot]).catch(() => undefined);
    await db.drop();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
