import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently, dropIndexConcurrently, runOnline } from '../online-ddl';
import { lockDownTable } from '../new-table-security.sql';

/**
 * Service tracking columns on the monolith's big tables, and the processing log.
 *
 * The ALTERs add nullable columns or columns with constant defaults, which PostgreSQL 11+ records
 * in the catalog without rewriting the table; each takes its ACCESS EXCLUSIVE lock only for a
 * moment, behind a short lock_timeout with retries. The index on opportunities is built
 * CONCURRENTLY, so the migration must run outside a transaction.
 */
export class MicroservicesTracking1764000000017 implements MigrationInterface {
  name = 'MicroservicesTracking1764000000017';
  transaction = false;

  async up(runner: QueryRunner): Promise<void> {
    await requireTables(runner, ['opportunities', 'proposals', 'contract_documents']);
    await runOnline(runner, [
      `ALTER TABLE opportunities
         ADD COLUMN IF NOT EXISTS processed_by_services jsonb DEFAULT '{}',
         ADD COLUMN IF NOT EXISTS last_sync_to_kafka timestamptz,
         ADD COLUMN IF NOT EXISTS embedding_version integer DEFAULT 0`,
    ]);
    await runOnline(runner, [
      `ALTER TABLE proposals
         ADD COLUMN IF NOT EXISTS event_stream_position bigint,
         ADD COLUMN IF NOT EXISTS analytics_synced boolean DEFAULT false`,
    ]);
    await runOnline(runner, [
      `ALTER TABLE contract_documents
         ADD COLUMN IF NOT EXISTS ocr_service_version varchar(20),
         ADD COLUMN IF NOT EXISTS processing_correlation_id uuid`,
    ]);
    await runOnline(runner, [
      // entity_id is text: bad input (an id that is not a UUID) must be loggable too.
      `CREATE TABLE IF NOT EXISTS service_processing_log (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         entity_id text NOT NULL,
         entity_type varchar(50) NOT NULL,
         service_name varchar(50) NOT NULL,
         action varchar(100) NOT NULL,
         status varchar(20) NOT NULL,
         correlation_id uuid,
         causation_id uuid,
         migration_id uuid,
         processing_time_ms integer,
         error_code varchar(50),
         error_message text,
         metadata jsonb NOT NULL DEFAULT '{}',
         created_at timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT service_processing_log_status_check
           CHECK (status IN ('succeeded', 'failed', 'skipped', 'dead_lettered', 'retried'))
       )`,
      `CREATE INDEX IF NOT EXISTS idx_processing_entity ON service_processing_log (entity_id, service_name)`,
      `CREATE INDEX IF NOT EXISTS idx_processing_correlation ON service_processing_log (correlation_id)`,
      `CREATE INDEX IF NOT EXISTS idx_processing_failures ON service_processing_log (service_name, created_at) WHERE status IN ('failed', 'dead_lettered')`,
      ...lockDownTable('service_processing_log'),
    ]);
    // Rows changed after a migration's watermark are found by updated_at ("in flight" rows).
    await createIndexConcurrently(runner, 'idx_opportunities_updated_at', 'opportunities', '(updated_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await dropIndexConcurrently(runner, 'idx_opportunities_updated_at');
    await runOnline(runner, [`DROP TABLE IF EXISTS service_processing_log`]);
    await runOnline(runner, [
      `ALTER TABLE IF EXISTS contract_documents
         DROP COLUMN IF EXISTS ocr_service_version,
         DROP COLUMN IF EXISTS processing_correlation_id`,
    ]);
    await runOnline(runner, [
      `ALTER TABLE IF EXISTS proposals
         DROP COLUMN IF EXISTS event_stream_position,
         DROP COLUMN IF EXISTS analytics_synced`,
    ]);
    await runOnline(runner, [
      `ALTER TABLE IF EXISTS opportunities
         DROP COLUMN IF EXISTS processed_by_services,
         DROP COLUMN IF EXISTS last_sync_to_kafka,
         DROP COLUMN IF EXISTS embedding_version`,
    ]);
  }
}

async function requireTables(runner: QueryRunner, tables: string[]): Promise<void> {
  const rows: { name: string }[] = await runner.query(
    `SELECT t AS name FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NULL`,
    [tables],
  );
  if (rows.length > 0) {
    throw new Error(
      `migration 017 needs the monolith tables; missing: ${rows.map((r) => r.name).join(', ')} (is this the monolith database?)`,
    );
  }
}
