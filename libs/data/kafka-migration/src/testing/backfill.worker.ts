// A backfill process for the crash test: backfills opportunities of the database in PG* with
// the run given in env, in small chunks (at most MAX_ROWS_PER_SECOND when set), until done or killed.
import { createPostgresPool } from '@mch/infra-postgres';
import { loadConfig, postgresEnvSchema } from '@mch/util-config';
import { runBackfill } from '../backfill/backfill.runner';
import { createMigrationKit } from './migration-harness';

async function main(): Promise<void> {
  const pool = createPostgresPool(loadConfig(postgresEnvSchema), { applicationName: 'backfill-worker', max: 4 });
  const kit = await createMigrationKit(pool, { migrationRun: process.env.MIGRATION_RUN, migrationId: process.env.MIGRATION_ID });
  kit.run.correlationId = process.env.CORRELATION_ID ?? kit.run.correlationId;
  const summary = await runBackfill(
    { pool, publisher: kit.publisher, checkpoints: kit.checkpoints, logger: kit.logger },
    {
      entity: 'opportunity',
      run: kit.run,
      shard: { index: 0, count: 1 },
      batchSize: Number(process.env.BATCH_SIZE ?? 50),
      captureMode: 'logical',
      owner: `worker-${process.pid}`,
      leaseTtlMs: Number(process.env.LEASE_TTL_MS ?? 2_000),
      maxRowsPerSecond: Number(process.env.MAX_ROWS_PER_SECOND ?? 0),
      slowAckMs: 10_000,
      maxRetainedWalBytes: 0,
    },
  );
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  await kit.close();
  await pool.end();
}

main().catch((error) => {
  process.stderr.write(`backfill worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
