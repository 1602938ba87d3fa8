import type { PostgresConfig } from '@mch/util-config';
import { applyMonolithSchema, loadMonolith } from '@mch/monolith-fixture';
import { migrateUp, schemaMigrationDataSource } from '@mch/data-schema-migrations';
import { createTestDatabase, testPostgresConfig, type TestDatabase } from '@mch/testing-database';

export interface MigratedDatabase extends TestDatabase {
  /** Settings for the project's own clients (libpq names) pointing at this database. */
  readonly config: PostgresConfig;
}

/**
 * A fresh database holding the monolith's schema (optional) and the toolkit's migrations
 * 016-018, as a real deployment has them.
 */
export async function createMigratedDatabase(
  prefix: string,
  options: {
    monolith?: boolean;
    migrations?: boolean;
    /** Sample data loaded before 016-018, as the monolith had its rows before the migration. */
    load?: { opportunities: number; seed: number; edgeCases?: boolean };
  } = {},
): Promise<MigratedDatabase> {
  const database = await createTestDatabase(prefix);
  const config = testPostgresConfig(database.name);
  try {
    if (options.monolith ?? true) await applyMonolithSchema(database.pool);
    if (options.load) await loadMonolith(database.pool, { ...options.load, concurrency: 4 });
    if (options.migrations ?? true) {
      const dataSource = schemaMigrationDataSource(config, `mch-test:${prefix}:migrations`);
      await dataSource.initialize();
      try {
        await migrateUp(dataSource);
      } finally {
        await dataSource.destroy();
      }
    }
  } catch (error) {
    await database.drop();
    throw error;
  }
  return Object.assign(database, { config });
}
