// Applies or reverts the toolkit's schema migrations (016-018) on the database named by the PG*
// variables:  node -r ./tools/scripts/register.js tools/db/migrate.ts up|down [steps]|status
import 'reflect-metadata';
import { loadConfig, postgresEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { migrateDown, migrateUp, schemaMigrationDataSource } from '@mch/data-schema-migrations';

async function main(): Promise<void> {
  const [command = 'status', stepsText] = process.argv.slice(2);
  const logger = createLogger({ service: 'schema-migrate' });
  const dataSource = schemaMigrationDataSource(loadConfig(postgresEnvSchema));
  await dataSource.initialize();
  try {
    if (command === 'up') {
      const applied = await migrateUp(dataSource);
      logger.info('schema migrations applied', { applied });
    } else if (command === 'down') {
      const steps = stepsText ? Number(stepsText) : undefined;
      if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) throw new Error(`steps must be a positive whole number, got '${stepsText}'`);
      await migrateDown(dataSource, steps);
      logger.info('schema migrations reverted', { steps: steps ?? 'all' });
    } else if (command === 'status') {
      const pending = await dataSource.showMigrations();
      logger.info('schema migration status', { pending });
    } else {
      throw new Error(`unknown command '${command}' (use up, down [steps] or status)`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  createLogger({ service: 'schema-migrate' }).error(`schema migration failed: ${error instanceof Error ? error.message : String(error)}`, { error });
  process.exitCode = 1;
});
