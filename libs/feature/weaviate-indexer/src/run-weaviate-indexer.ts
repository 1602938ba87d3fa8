import { resolveMigrationId } from '@mch/contracts';
import { bootstrapService, type ServiceDefinition } from '@mch/nest-bootstrap';
import { isDomainException } from '@mch/util-errors';
import { createLogger, type Logger } from '@mch/util-logger';
import type { Command } from 'commander';
import { describeExitCodes, jsonOption, optionWords } from '@mch/util-cli';
import { SERVICE_NAME } from './index-settings';
import { registerSearchCommand } from './search.command';
import { isCliCommand, runCli, USAGE, type CliCommand } from './weaviate-indexer.cli';
import { weaviateIndexerConfigSchema } from './weaviate-indexer.config';
import { WeaviateIndexerModule } from './weaviate-indexer.module';
import { WeaviateIndexerRunner } from './weaviate-indexer.runner';

/** The weaviate-indexer service: stores it uses, its settings, its module. */
export const weaviateIndexerService: ServiceDefinition = {
  name: SERVICE_NAME,
  stores: ['postgres', 'kafka', 'weaviate'],
  config: weaviateIndexerConfigSchema,
  imports: [WeaviateIndexerModule],
};

/** The service: streaming, or Job mode when MIGRATION_ID is set. Resolves with the exit code. */
async function runIndexer(logger: Logger, env: NodeJS.ProcessEnv): Promise<number> {
  let running;
  try {
    running = await bootstrapService(weaviateIndexerService, env);
  } catch (error) {
    logger.error(`${SERVICE_NAME} failed to start: ${error instanceof Error ? error.message : String(error)}`, {
      code: isDomainException(error) ? error.code : 'BOOT_FAILED',
      error,
    });
    return 1;
  }
  const runner = running.app.get(WeaviateIndexerRunner);
  const exitCode = await runner.finished.then(
    () => 0,
    () => 1,
  );
  await running.app.close();
  return exitCode;
}

/**
 * Entry point of apps/weaviate-indexer: no argument runs the service (a k8s Job sets
 * MIGRATION_ID, which makes it index up to the current end of the topics and exit);
 * `job` does the same from a shell; backup, restore and delete-run are one-shot commands.
 */
export function runWeaviateIndexer(argv: string[], env: NodeJS.ProcessEnv = process.env): void {
  const logger = createLogger({ service: SERVICE_NAME, level: env.LOG_LEVEL === 'debug' ? 'debug' : 'info' });
  const [command, ...rest] = argv;
  let work: Promise<number>;
  if (command === undefined || command === 'job') {
    // `job` takes the run id from MIGRATION_ID, else derives it from MIGRATION_RUN (as every app
    // does); without an argument only an explicit MIGRATION_ID selects Job mode, so a streaming
    // Deployment that also carries MIGRATION_RUN keeps streaming.
    let migrationId: string | undefined;
    try {
      migrationId = command === 'job' ? resolveMigrationId(env) : env.MIGRATION_ID;
    } catch (error) {
      logger.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    if (command === 'job' && !migrationId) {
      logger.error(`job mode needs MIGRATION_RUN (or MIGRATION_ID, the migration's UUID; its consumer group is per migration)\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    work = runIndexer(logger, migrationId ? { ...env, MIGRATION_ID: migrationId } : env);
  } else if (isCliCommand(command)) {
    work = runCli(command, rest, logger, env);
  } else {
    logger.error(`unknown command '${command}'\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  void work.then((code) => {
    process.exitCode = code;
  });
}

/**
 * The indexer's commands besides the service (the program's default action: runWeaviateIndexer([])).
 * Each is a registration here; a new one is one more `program.command(...)` below.
 */
export function registerWeaviateIndexerCommands(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('job')
    .description("Job mode from a shell: index up to the topics' end offsets at start, then exit (run id from MIGRATION_ID, else derived from MIGRATION_RUN)")
    .action(() => runWeaviateIndexer(['job'], env));

  const oneShot = (name: CliCommand, description: string, options: [string, string][]) => {
    const command = program.command(name).description(description);
    for (const [flag, text] of options) command.option(flag, text);
    command.addOption(jsonOption()).action(async (parsed: Record<string, unknown>) => {
      const logger = createLogger({ service: SERVICE_NAME, level: env.LOG_LEVEL === 'debug' ? 'debug' : 'info' });
      process.exitCode = await runCli(name, optionWords(parsed, command), logger, env, { json: parsed.json === true });
    });
    describeExitCodes(command, { 0: 'done', 1: 'failed', 2: 'bad usage or input (e.g. restore over existing collections without --replace)' });
  };
  oneShot('backup', 'back up the index collections (backup-filesystem)', [['--id <backup-id>', 'the backup id']]);
  oneShot('restore', 'restore them', [
    ['--id <backup-id>', 'the backup id'],
    ['--replace', 'delete the current collections first'],
  ]);
  oneShot('delete-run', 'delete every object one migration run wrote', [
    ['--migration-run <name>', 'the run by name (MIGRATION_RUN)'],
    ['--migration-id <uuid>', 'the run by id'],
    ['--dry-run', 'count only'],
  ]);
  registerSearchCommand(program, env);
}
