import type { PostgresConfig } from '@mch/util-config';
import { createPostgresDataSource } from '@mch/infra-postgres';
import type { DataSource, QueryRunner } from 'typeorm';
import { EventSourcingInfrastructure1764000000016 } from './migrations/016-event-sourcing-infrastructure.migration';
import { MicroservicesTracking1764000000017 } from './migrations/017-microservices-tracking.migration';
import { MigrationState1764000000018 } from './migrations/018-migration-state.migration';
import { ConsistencyCheckRuns1764000000019 } from './migrations/019-consistency-check-runs.migration';
import { ProcessingStatusView1764000000020 } from './migrations/020-processing-status-view.migration';

/** In order; the monolith's own migrations end at 015. */
export const SCHEMA_MIGRATIONS = [
  EventSourcingInfrastructure1764000000016,
  MicroservicesTracking1764000000017,
  MigrationState1764000000018,
  ConsistencyCheckRuns1764000000019,
  ProcessingStatusView1764000000020,
];

export async function migrateUp(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

/** Reverts the newest applied migrations, `steps` of them (all three by default). */
export async function migrateDown(dataSource: DataSource, steps = SCHEMA_MIGRATIONS.length): Promise<void> {
  for (let i = 0; i < steps; i++) {
    const runner: QueryRunner = dataSource.createQueryRunner();
    try {
      const table = dataSource.options.migrationsTableName ?? 'migrations';
      const exists: { present: boolean }[] = await runner.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [table]);
      if (!exists[0].present) return;
      const left: { n: string }[] = await runner.query(`SELECT count(*) AS n FROM ${table}`);
      if (Number(left[0].n) === 0) return;
    } finally {
      await runner.release();
    }
    // Each migration manages its own transactions (CONCURRENTLY cannot run inside one).
    await dataSource.undoLastMigration({ transaction: 'none' });
  }
}

/** A data source that knows the toolkit's migrations, for the CLI and tests. */
export function schemaMigrationDataSource(config: PostgresConfig, applicationName = 'mch-schema-migrations'): DataSource {
  return createPostgresDataSource(config, { applicationName, migrations: SCHEMA_MIGRATIONS });
}
