import { loadConfigSections, kafkaEnvSchema, postgresEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createPostgresPool } from '@mch/infra-postgres';
import { createKafka } from '@mch/infra-kafka';
import { CheckpointStore } from '@mch/data-checkpoints';
import { backfillCheckpointName } from '@mch/data-kafka-migration';
import { kafkaMigratorConfigSchema } from './kafka-migrator.config';
import { buildMigrator } from './migrator.wiring';
import { ReplayUsageError, runReplayDeadLetters } from './replay-dead-letters.command';

export const OPERATOR_COMMANDS = ['status', 'pause', 'resume', 'resync', 'setup-capture', 'teardown-capture', 'replay-dead-letters'] as const;
export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];

/**
 * Operator commands on the configured entities and shard: status prints every checkpoint of the
 * run; pause asks running backfills to stop after their chunk; resume marks them runnable (start
 * the Job again to continue); resync forgets their progress so the next run starts over;
 * setup-capture and teardown-capture create or drop the slot/publication or triggers;
 * replay-dead-letters replays the run's dead letters (`args`: its filters, see REPLAY_USAGE) and
 * prints its summary.
 */
export async function runOperatorCommand(
  command: OperatorCommand,
  env: NodeJS.ProcessEnv = process.env,
  args: readonly string[] = [],
  output: { json?: boolean } = {},
): Promise<number> {
  // --json: the command's result as one JSON line on stdout (status and replay print theirs anyway).
  const result = (value: unknown) => {
    if (output.json) process.stdout.write(`${JSON.stringify({ command, result: value })}\n`);
  };
  if (command !== 'replay-dead-letters' && args.length > 0) {
    process.stderr.write(`${command} takes no arguments, got ${args.join(' ')}\n`);
    return 2;
  }
  const config = loadConfigSections({ postgres: postgresEnvSchema, kafka: kafkaEnvSchema, app: kafkaMigratorConfigSchema }, env);
  const logger = createLogger({ service: 'kafka-migrator' });
  const pool = createPostgresPool(config.postgres, { applicationName: 'kafka-migrator-ops', max: 2 });
  const checkpoints = new CheckpointStore(pool);
  const app = config.app;
  const run = { migrationId: app.migrationId, migrationRun: app.MIGRATION_RUN, correlationId: app.migrationId };
  const names = app.ENTITIES.map((entity) => backfillCheckpointName(run, entity, { index: app.shardIndex, count: app.SHARD_COUNT }));
  try {
    switch (command) {
      case 'status': {
        const rows = await pool.query(
          `SELECT migration_name, entity_type, status, total_processed, total_failed, last_processed_id, updated_at, lease_owner
             FROM data_migration_state WHERE migration_name LIKE $1 ORDER BY migration_name`,
          [`${app.MIGRATION_RUN}:%`],
        );
        process.stdout.write(output.json ? `${JSON.stringify(rows.rows)}\n` : `${JSON.stringify(rows.rows, null, 2)}\n`);
        return 0;
      }
      case 'pause': {
        const paused: string[] = [];
        for (const name of names)
          await checkpoints.pause(name).then(
            () => paused.push(name),
            (e) => logger.warn('nothing to pause', { name, error: e }),
          );
        result({ paused });
        return 0;
      }
      case 'resume':
        for (const name of names) await checkpoints.start(name, name.split(':')[2]);
        result({ resumed: names });
        return 0;
      case 'resync':
        for (const name of names) await checkpoints.reset(name);
        logger.info('progress forgotten; the next backfill run starts from the first key', { names });
        result({ reset: names });
        return 0;
      case 'replay-dead-letters': {
        const kafka = createKafka(config.kafka, { clientId: 'kafka-migrator-ops', logger });
        const { summary, exitCode } = await runReplayDeadLetters({ pool, kafka, logger }, app, args);
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return exitCode;
      }
      case 'setup-capture':
      case 'teardown-capture': {
        const kafka = createKafka(config.kafka, { clientId: 'kafka-migrator-ops', logger });
        const parts = await buildMigrator(pool, kafka, logger, app);
        try {
          if (command === 'setup-capture') await parts.capture.setup();
          else await parts.capture.teardown();
          logger.info(`${command} done`, { mode: parts.capture.mode });
          result({ mode: parts.capture.mode });
        } finally {
          await parts.close();
        }
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof ReplayUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    logger.error(`${command} failed`, { error });
    return 1;
  } finally {
    await pool.end();
  }
}
