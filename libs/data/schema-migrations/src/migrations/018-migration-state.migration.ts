import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runOnline } from '../online-ddl';
import { lockDownTable } from '../new-table-security.sql';

/**
 * State of named, resumable data migrations. Beyond the plan: status values are checked; counts
 * are bigint (production tables run to millions); a lease with a fencing token lets a Kubernetes
 * Job retried while its old pod still runs detect it no longer owns the migration.
 */
export class MigrationState1764000000018 implements MigrationInterface {
  name = 'MigrationState1764000000018';
  transaction = false;

  async up(runner: QueryRunner): Promise<void> {
    await runOnline(runner, [
      `CREATE TABLE IF NOT EXISTS data_migration_state (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         migration_name varchar(100) NOT NULL,
         entity_type varchar(50) NOT NULL,
         last_processed_id uuid,
         last_processed_at timestamptz,
         total_processed bigint NOT NULL DEFAULT 0,
         total_failed bigint NOT NULL DEFAULT 0,
         status varchar(20) NOT NULL DEFAULT 'pending',
         error_details jsonb,
         started_at timestamptz,
         completed_at timestamptz,
         updated_at timestamptz NOT NULL DEFAULT now(),
         lease_owner text,
         lease_expires_at timestamptz,
         fencing_token bigint NOT NULL DEFAULT 0,
         metadata jsonb NOT NULL DEFAULT '{}',
         CONSTRAINT data_migration_state_name_key UNIQUE (migration_name),
         CONSTRAINT data_migration_state_status_check
           CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed'))
       )`,
      `CREATE INDEX IF NOT EXISTS idx_migration_status ON data_migration_state (status, entity_type)`,
      `CREATE TABLE IF NOT EXISTS migration_checkpoints (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         migration_id uuid NOT NULL REFERENCES data_migration_state (id) ON DELETE CASCADE,
         checkpoint_data jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX IF NOT EXISTS idx_checkpoints_migration ON migration_checkpoints (migration_id, created_at DESC)`,
      ...lockDownTable('data_migration_state'),
      ...lockDownTable('migration_checkpoints'),
    ]);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runOnline(runner, [`DROP TABLE IF EXISTS migration_checkpoints`, `DROP TABLE IF EXISTS data_migration_state`]);
  }
}
