import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { createPostgresPool } from '@mch/infra-postgres';
import { isDomainException, ErrorCode } from '@mch/util-errors';
import { loadConfigSections, postgresEnvSchema, type Env } from '@mch/util-config';
import { createLogger, type Logger } from '@mch/util-logger';
import { migrateDown, migrateUp, schemaMigrationDataSource } from './schema-migrations';
import {
  assertSchemaMigrated,
  migrationLabel,
  pendingSchemaMigrations,
  schemaMigrationNames,
} from './schema-status';

export const MIGRATE_USAGE = `usage: migrate up | status | down [steps]
  up            apply the toolkit's schema migrations that are missing (idempotent; exit 0 when all are applied)
  status        list applied and pending migrations (exit 0)
  down [steps]  revert the newest applied migrations (all by default)`;

/** `migrate up|status|down [steps]` against the database of the PG* variables; resolves with the exit code. */
export async function runMigrateCommand(
  argv: readonly string[],
  env: Env = process.env,
  logger: Logger = createLogger({ service: 'schema-migrate' }),
): Promise<number> {
  const [command, stepsText, ...extra] = argv;
  const steps = stepsText === undefined ? undefined : Number(stepsText);
  const usable =
    command === 'up' || command === 'status'
      ? stepsText === undefined
      : command === 'down' &&
        extra.length === 0 &&
        (steps === undefined || (Number.isInteger(steps) && steps >= 1));
  if (!usable) {
    logger.error(`bad migrate arguments '${argv.join(' ')}'\n${MIGRATE_USAGE}`, {
      code: ErrorCode.ValidationFailed,
      field: 'argv',
    });
    return 2;
  }
  let dataSource: DataSource | undefined;
  let pool: Pool | undefined;
  try {
    const { postgres } = loadConfigSections({ postgres: postgresEnvSchema }, env);
    if (command === 'status') {
      pool = createPostgresPool(postgres, { applicationName: 'mch-schema-migrations', max: 1 });
      const pending = await pendingSchemaMigrations(pool);
      const applied = schemaMigrationNames().filter((name) => !pending.includes(name));
      logger.info('schema migration status', {
        applied: applied.map(migrationLabel),
        pending: pending.map(migrationLabel),
      });
      return 0;
    }
    dataSource = schemaMigrationDataSource(postgres);
    await dataSource.initialize();
    if (command === 'up') {
      const applied = await migrateUp(dataSource);
      logger.info('schema migrations applied', {
        applied: applied.map(migrationLabel),
        all: schemaMigrationNames().map(migrationLabel),
      });
    } else {
      await migrateDown(dataSource, steps);
      logger.info('schema migrations reverted', { steps: steps ?? 'all' });
    }
    return 0;
  } catch (error) {
    logger.error(
      `schema migrate ${command} failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        code: isDomainException(error) ? error.code : 'MIGRATION_FAILED',
        error,
      },
    );
    return isDomainException(error) && error.code === ErrorCode.ConfigInvalid ? 2 : 1;
  } finally {
    await pool?.end();
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}

/**
 * Gate for an entry point's PostgreSQL modes (the services check in nest-bootstrap): resolves
 * false after logging one JSON error naming the missing migrations, true when the schema is
 * current. Without usable PG* settings it resolves true and leaves the mode to report them.
 */
export async function schemaMigrationsApplied(
  service: string,
  env: Env = process.env,
  logger: Logger = createLogger({ service }),
): Promise<boolean> {
  let postgres;
  try {
    postgres = loadConfigSections({ postgres: postgresEnvSchema }, env).postgres;
  } catch {
    return true;
  }
  try {
    await assertSchemaMigrated(postgres, service);
    return true;
  } catch (error) {
    logger.error(`${service} failed to start: ${error instanceof Error ? error.message : String(error)}`, {
      code: isDomainException(error) ? error.code : 'BOOT_FAILED',
      error,
    });
    return false;
  }
}

/** Runs `work` (an entry point's mode) only on a migrated schema; sets the process exit code. */
export function runWhenMigrated(
  service: string,
  work: () => Promise<number | void>,
  env: Env = process.env,
): void {
  void schemaMigrationsApplied(service, env).then(async (ready) => {
    if (!ready) {
      process.exitCode = 1;
      return;
    }
    try {
      const code = await work();
      if (typeof code === 'number') process.exitCode = code;
    } catch (error) {
      createLogger({ service }).error(
        `${service} failed: ${error instanceof Error ? error.message : String(error)}`,
        {
          code: isDomainException(error) ? error.code : 'FAILED',
          error,
        },
      );
      process.exitCode = isDomainException(error) && error.code === ErrorCode.ConfigInvalid ? 2 : 1;
    }
  });
}

/** `<image> migrate ...`: runs the command and sets the process exit code. */
export function runMigrateCli(argv: readonly string[]): void {
  void runMigrateCommand(argv).then((code) => (process.exitCode = code));
}
