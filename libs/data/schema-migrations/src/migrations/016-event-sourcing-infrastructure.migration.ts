import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runOnline } from '../online-ddl';
import { lockDownTable } from '../new-table-security.sql';

/**
 * Event store, snapshots and transactional outbox.
 *
 * Beyond the plan's sketch: UNIQUE (aggregate_id, event_version) makes optimistic concurrency a
 * database guarantee; `global_position` gives readers a total order; `transaction_id` (the
 * writing transaction's xid8) lets readers advance only past committed work, so an event that
 * commits late is never skipped; the outbox has a dead-letter status and retry scheduling.
 */
export class EventSourcingInfrastructure1764000000016 implements MigrationInterface {
  name = 'EventSourcingInfrastructure1764000000016';
  transaction = false;

  async up(runner: QueryRunner): Promise<void> {
    await runOnline(runner, [
      `CREATE EXTENSION IF NOT EXISTS pgcrypto`,
      `CREATE TABLE IF NOT EXISTS event_store (
         event_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         global_position bigint GENERATED ALWAYS AS IDENTITY,
         aggregate_id uuid NOT NULL,
         aggregate_type varchar(100) NOT NULL,
         event_type varchar(100) NOT NULL,
         event_version integer NOT NULL,
         event_data jsonb NOT NULL,
         metadata jsonb NOT NULL DEFAULT '{}',
         correlation_id uuid,
         causation_id uuid,
         user_id uuid,
         transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
         created_at timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT event_store_version_positive CHECK (event_version > 0),
         CONSTRAINT event_store_aggregate_version_key UNIQUE (aggregate_id, event_version),
         CONSTRAINT event_store_global_position_key UNIQUE (global_position)
       )`,
      `CREATE INDEX IF NOT EXISTS idx_event_store_type ON event_store (event_type, created_at)`,
      `CREATE INDEX IF NOT EXISTS idx_event_store_correlation ON event_store (correlation_id)`,
      `CREATE INDEX IF NOT EXISTS idx_event_store_user ON event_store (user_id, created_at)`,
      `CREATE INDEX IF NOT EXISTS idx_event_store_commit_order ON event_store (transaction_id, global_position)`,
      // The user reference exists only where Supabase's auth schema does (plain PostgreSQL has none).
      `DO $$ BEGIN
         IF to_regclass('auth.users') IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM pg_constraint WHERE conname = 'event_store_user_id_fkey') THEN
           ALTER TABLE event_store ADD CONSTRAINT event_store_user_id_fkey
             FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE SET NULL;
         END IF;
       END $$`,
      `CREATE TABLE IF NOT EXISTS event_snapshots (
         snapshot_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         aggregate_id uuid NOT NULL,
         aggregate_type varchar(100) NOT NULL,
         snapshot_version integer NOT NULL,
         snapshot_data jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT event_snapshots_aggregate_version_key UNIQUE (aggregate_id, snapshot_version)
       )`,
      `CREATE TABLE IF NOT EXISTS event_outbox (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         position bigint GENERATED ALWAYS AS IDENTITY,
         event_id uuid,
         aggregate_id uuid NOT NULL,
         aggregate_type varchar(100) NOT NULL,
         event_type varchar(100) NOT NULL,
         topic varchar(249) NOT NULL,
         payload jsonb NOT NULL,
         partition_key varchar(100),
         headers jsonb NOT NULL DEFAULT '{}',
         status varchar(20) NOT NULL DEFAULT 'pending',
         attempts integer NOT NULL DEFAULT 0,
         next_attempt_at timestamptz NOT NULL DEFAULT now(),
         error_message text,
         correlation_id uuid,
         causation_id uuid,
         created_at timestamptz NOT NULL DEFAULT now(),
         published_at timestamptz,
         CONSTRAINT event_outbox_status_check CHECK (status IN ('pending', 'published', 'failed', 'dead_letter')),
         CONSTRAINT event_outbox_position_key UNIQUE (position)
       )`,
      `CREATE INDEX IF NOT EXISTS idx_outbox_unpublished ON event_outbox (position) WHERE status IN ('pending', 'failed')`,
      `CREATE INDEX IF NOT EXISTS idx_outbox_aggregate_pending ON event_outbox (aggregate_id, position) WHERE status IN ('pending', 'failed')`,
      `CREATE INDEX IF NOT EXISTS idx_outbox_status ON event_outbox (status, created_at)`,
      `CREATE INDEX IF NOT EXISTS idx_outbox_published ON event_outbox (published_at) WHERE status = 'published'`,
      ...lockDownTable('event_store'),
      ...lockDownTable('event_snapshots'),
      ...lockDownTable('event_outbox'),
    ]);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runOnline(runner, [
      `DROP TABLE IF EXISTS event_outbox`,
      `DROP TABLE IF EXISTS event_snapshots`,
      `DROP TABLE IF EXISTS event_store`,
    ]);
  }
}
