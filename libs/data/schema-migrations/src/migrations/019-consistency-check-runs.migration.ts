import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runOnline } from '../online-ddl';
import { lockDownTable } from '../new-table-security.sql';

/**
 * History of consistency checks, for dashboards: one row per run (the full JSON report included)
 * and one row per compared store pair, so a chart of discrepancies per store over time is a plain
 * query. New tables only, so nothing on the monolith's tables is locked.
 */
export class ConsistencyCheckRuns1764000000019 implements MigrationInterface {
  name = 'ConsistencyCheckRuns1764000000019';
  transaction = false;

  async up(runner: QueryRunner): Promise<void> {
    await runOnline(runner, [
      `CREATE TABLE IF NOT EXISTS consistency_check_runs (
         id uuid PRIMARY KEY,
         mode varchar(10) NOT NULL,
         status varchar(10) NOT NULL,
         migration_id uuid,
         entities text[] NOT NULL,
         started_at timestamptz NOT NULL,
         finished_at timestamptz NOT NULL,
         duration_ms integer NOT NULL,
         discrepancies bigint,
         in_flight bigint NOT NULL DEFAULT 0,
         max_discrepancy_rate double precision,
         failures jsonb NOT NULL DEFAULT '[]',
         report jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT consistency_check_runs_mode_check CHECK (mode IN ('counts', 'content')),
         CONSTRAINT consistency_check_runs_status_check CHECK (status IN ('passed', 'failed', 'error'))
       )`,
      `CREATE INDEX IF NOT EXISTS idx_consistency_runs_started ON consistency_check_runs (started_at DESC)`,
      `CREATE INDEX IF NOT EXISTS idx_consistency_runs_status ON consistency_check_runs (status, started_at DESC)`,
      `CREATE TABLE IF NOT EXISTS consistency_check_pairs (
         run_id uuid NOT NULL REFERENCES consistency_check_runs (id) ON DELETE CASCADE,
         entity varchar(50) NOT NULL,
         source_store varchar(20) NOT NULL,
         target_store varchar(20) NOT NULL,
         source_rows bigint,
         target_rows bigint,
         missing bigint NOT NULL DEFAULT 0,
         extra bigint NOT NULL DEFAULT 0,
         different bigint NOT NULL DEFAULT 0,
         in_flight bigint NOT NULL DEFAULT 0,
         discrepancies bigint,
         discrepancy_rate double precision,
         passed boolean NOT NULL,
         error text,
         PRIMARY KEY (run_id, entity, target_store)
       )`,
      `CREATE INDEX IF NOT EXISTS idx_consistency_pairs_entity ON consistency_check_pairs (entity, target_store)`,
      ...lockDownTable('consistency_check_runs'),
      ...lockDownTable('consistency_check_pairs'),
    ]);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runOnline(runner, [
      `DROP TABLE IF EXISTS consistency_check_pairs`,
      `DROP TABLE IF EXISTS consistency_check_runs`,
    ]);
  }
}
