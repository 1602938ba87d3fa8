import type { Pool } from 'pg';
import { createPostgresPool } from '@mch/infra-postgres';
import type { PostgresConfig } from '@mch/util-config';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { SCHEMA_MIGRATIONS } from './schema-migrations';

/** Where TypeORM records applied migrations (set by @mch/infra-postgres's data source). */
export const SCHEMA_MIGRATIONS_TABLE = 'mch_schema_migrations';

/** `EventSourcingInfrastructure1764000000016` -> `016_event_sourcing_infrastructure` (as the files are numbered). */
export function migrationLabel(name: string): string {
  const match = /^([A-Za-z]+?)(\d+)$/.exec(name);
  if (!match) return name;
  const words = match[1].replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return `${match[2].slice(-3)}_${words}`;
}

/** The toolkit's migration names in order, as TypeORM records them. */
export function schemaMigrationNames(): string[] {
  return SCHEMA_MIGRATIONS.map((migration) => new migration().name as string);
}

/** The migrations this database lacks, in order (all of them when none was ever applied). */
export async function pendingSchemaMigrations(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [
    SCHEMA_MIGRATIONS_TABLE,
  ]);
  const applied = new Set<string>();
  if (rows[0].present) {
    const result = await pool.query<{ name: string }>(`SELECT name FROM ${SCHEMA_MIGRATIONS_TABLE}`);
    for (const row of result.rows) applied.add(row.name);
  }
  return schemaMigrationNames().filter((name) => !applied.has(name));
}

/** The one-line refusal every app gives when the database lacks migrations. */
export function missingMigrationsMessage(pending: readonly string[]): string {
  return `schema migrations missing: ${pending.map(migrationLabel).join(', ')}; run 'migrate up'`;
}

/**
 * Throws PRECONDITION_FAILED naming the missing migrations (and STORE_UNAVAILABLE when the
 * database cannot be asked), so an app never starts on a schema it would fail on later.
 */
export async function assertSchemaMigrated(config: PostgresConfig, applicationName: string): Promise<void> {
  const pool = createPostgresPool(config, { applicationName: `${applicationName}-schema-check`, max: 1 });
  try {
    let pending: string[];
    try {
      pending = await pendingSchemaMigrations(pool);
    } catch (error) {
      throw new DomainException(
        ErrorCode.StoreUnavailable,
        `cannot read the schema migrations of database '${config.PGDATABASE}' on ${config.PGHOST}:${config.PGPORT}: ${error instanceof Error ? error.message : String(error)}`,
        { store: 'postgres' },
        { cause: error },
      );
    }
    if (pending.length > 0) {
      throw new DomainException(ErrorCode.PreconditionFailed, missingMigrationsMessage(pending), {
        field: 'database',
        missing: pending.map(migrationLabel),
      });
    }
  } finally {
    await pool.end();
  }
}
