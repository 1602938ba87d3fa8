import { randomUUID } from 'node:crypto';
import { resolveMigrationId } from '@mch/contracts';
import { z } from 'zod';
import type { MigratedEntity } from '@mch/contracts';
import { CheckpointStore } from '@mch/data-checkpoints';
import { ProcessingLog } from '@mch/data-consumer-loop';
import {
  ANALYTICS_TABLES,
  analyticsTableNamed,
  detectAnalyticsCapabilities,
  dropSnapshot,
  ensureAnalyticsTables,
  restoreTable,
  runHistoricalLoad,
  snapshotTable,
} from '@mch/data-clickhouse-analytics';
import { createClickHouse } from '@mch/infra-clickhouse';
import { createKafka, createIdempotentProducer } from '@mch/infra-kafka';
import { createPostgresPool } from '@mch/infra-postgres';
import {
  clickhouseEnvSchema,
  kafkaEnvSchema,
  loadConfigSections,
  parseCommandLine,
  postgresEnvSchema,
  serviceEnvSchema,
  type CommandLine,
  type Env,
} from '@mch/util-config';
import { DomainException, ErrorCode, isDomainException } from '@mch/util-errors';
import { createLogger, type Logger } from '@mch/util-logger';
import type { Command } from 'commander';
import { ENTITY_SOURCES } from '@mch/data-kafka-migration';
import { createProgressReporter, describeExitCodes, jsonOption, optionWords } from '@mch/util-cli';
import { runWhenMigrated } from '@mch/data-schema-migrations';
import { clickhousePopulatorConfigSchema } from './clickhouse-populator.config';
import { historicalDeadLetters } from './historical-dead-letters';
import { POPULATOR_SERVICE_NAME } from './populator.runner';

export const CLI_USAGE = `usage: clickhouse-populator-cli <command> [options]
  create-tables                                   create the analytics tables that are missing, add new columns to older ones
  historical-load [--entities a,b] [--chunk-rows N] [--max-chunks N] [--capture logical|trigger]
                  [--migration-name NAME] [--migration-id UUID (default: MIGRATION_ID, else derived from MIGRATION_RUN)]
                                                  load PostgreSQL rows straight into ClickHouse (Job mode)
  snapshot --table T|all --name N                 copy a table (or all) to <table>__snapshot__<N>
  restore  --table T|all --name N                 atomically replace a table (or all) with its snapshot
  drop-snapshot --table T|all --name N            remove a snapshot`;

const historicalArgs = z.object({
  entities: z.string().optional(),
  'chunk-rows': z.coerce.number().int().min(1).max(1_000_000).default(50_000),
  'max-chunks': z.coerce.number().int().min(1).optional(),
  capture: z.enum(['logical', 'trigger']).default('logical'),
  'migration-name': z.string().trim().min(1).max(80).default('clickhouse-historical-load'),
  'migration-id': z.uuid().optional(),
});
const snapshotArgs = z.object({ table: z.string().min(1), name: z.string().min(1) });

function usageError(message: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, `${message}\n${CLI_USAGE}`, { field: 'argv' });
}

export function parseCliArgs(argv: readonly string[]): CommandLine {
  return parseCommandLine(argv, usageError);
}

function parse<S extends z.ZodObject>(schema: S, options: Record<string, string>): z.infer<S> {
  const result = schema.strict().safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw usageError(`--${issue.path.join('.') || (issue as { keys?: string[] }).keys?.join(', --')} ${issue.message}`);
  }
  return result.data as z.infer<S>;
}

function tablesOf(name: string): string[] {
  return name === 'all' ? ANALYTICS_TABLES.map((t) => t.name) : [analyticsTableNamed(name).name];
}

async function withClickHouse<T>(env: Env, logger: Logger, work: (client: ReturnType<typeof createClickHouse>) => Promise<T>): Promise<T> {
  const { clickhouse } = loadConfigSections({ clickhouse: clickhouseEnvSchema }, env);
  const client = createClickHouse(clickhouse, { applicationName: `${POPULATOR_SERVICE_NAME}-cli`, logger });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

async function historicalLoad(options: Record<string, string>, env: Env, logger: Logger): Promise<unknown> {
  const args = parse(historicalArgs, options);
  const config = loadConfigSections(
    { postgres: postgresEnvSchema, kafka: kafkaEnvSchema, app: clickhousePopulatorConfigSchema },
    { ...env, ...(args.entities ? { CLICKHOUSE_POPULATOR_ENTITIES: args.entities } : {}) },
  );
  const pool = createPostgresPool(config.postgres, { applicationName: `${POPULATOR_SERVICE_NAME}-cli`, max: 8 });
  const producer = createIdempotentProducer(createKafka(config.kafka, { clientId: `${POPULATOR_SERVICE_NAME}-cli`, logger }));
  await producer.connect();
  const progress = createProgressReporter({ logger });
  try {
    const entities = config.app.CLICKHOUSE_POPULATOR_ENTITIES as MigratedEntity[];
    const estimates = await rowEstimates(pool, entities);
    const tasks = new Map(entities.map((entity) => [entity, progress.task(entity, 'historical load progress')]));
    return await withClickHouse(env, logger, async (client) => {
      const caps = await detectAnalyticsCapabilities(client);
      await ensureAnalyticsTables(client, caps);
      return runHistoricalLoad(pool, client, caps, new CheckpointStore(pool), {
        entities: config.app.CLICKHOUSE_POPULATOR_ENTITIES as MigratedEntity[],
        chunkRows: args['chunk-rows'],
        maxChunks: args['max-chunks'],
        captureMode: args.capture,
        migrationName: args['migration-name'],
        // --migration-id, else MIGRATION_ID, else the id of MIGRATION_RUN (what every app derives).
        migrationId: args['migration-id'] ?? resolveMigrationId(env) ?? null,
        correlationId: randomUUID(),
        logger,
        onProgress: (p) =>
          tasks.get(p.entity)?.update({ done: p.loaded + p.rejected, total: estimates.get(p.entity) ?? null, fields: { entity: p.entity, rejected: p.rejected, chunks: p.chunks } }),
        onRejected: historicalDeadLetters({
          migrationId: args['migration-id'] ?? resolveMigrationId(env) ?? null,
          producer,
          processingLog: new ProcessingLog(pool, POPULATOR_SERVICE_NAME),
          logger,
          serviceName: POPULATOR_SERVICE_NAME,
          topicPrefix: config.app.CLICKHOUSE_POPULATOR_TOPIC_PREFIX,
        }),
      });
    });
  } finally {
    progress.stop();
    await producer.disconnect();
    await pool.end();
  }
}

/** PostgreSQL's row estimates of the entities' tables (null before the first ANALYZE): the bars' totals. */
async function rowEstimates(pool: ReturnType<typeof createPostgresPool>, entities: readonly MigratedEntity[]): Promise<Map<MigratedEntity, number | null>> {
  const out = new Map<MigratedEntity, number | null>();
  for (const entity of entities) {
    const { rows } = await pool.query<{ estimate: string | null }>('SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = to_regclass($1)', [ENTITY_SOURCES[entity].table]);
    const estimate = rows[0]?.estimate === undefined || rows[0].estimate === null ? -1 : Number(rows[0].estimate);
    out.set(entity, estimate >= 0 ? estimate : null);
  }
  return out;
}

/** Runs one CLI command and returns its JSON-able result; throws a DomainException on bad input. */
export async function runPopulatorCommand(argv: readonly string[], env: Env, logger: Logger): Promise<unknown> {
  const { command, options } = parseCliArgs(argv);
  switch (command) {
    case 'create-tables':
      parse(z.object({}), options);
      return withClickHouse(env, logger, async (client) => ensureAnalyticsTables(client, await detectAnalyticsCapabilities(client)));
    case 'historical-load':
      return historicalLoad(options, env, logger);
    case 'snapshot': {
      const args = parse(snapshotArgs, options);
      return withClickHouse(env, logger, async (client) => {
        const out: Record<string, unknown> = {};
        for (const table of tablesOf(args.table)) out[table] = await snapshotTable(client, table, args.name);
        return out;
      });
    }
    case 'restore': {
      const args = parse(snapshotArgs, options);
      return withClickHouse(env, logger, async (client) => {
        const caps = await detectAnalyticsCapabilities(client);
        const out: Record<string, unknown> = {};
        for (const table of tablesOf(args.table)) out[table] = await restoreTable(client, caps, table, args.name);
        return out;
      });
    }
    case 'drop-snapshot': {
      const args = parse(snapshotArgs, options);
      return withClickHouse(env, logger, async (client) => {
        for (const table of tablesOf(args.table)) await dropSnapshot(client, table, args.name);
        return { dropped: tablesOf(args.table) };
      });
    }
    default:
      throw usageError(`unknown command '${command}'`);
  }
}

/**
 * The CLI entry (Job mode, snapshot, restore): JSON log lines on stderr, one JSON result line on
 * stdout, exit code 2 for bad arguments or configuration, 1 for any other failure.
 */
export async function runPopulatorCli(argv: readonly string[], env: Env = process.env): Promise<void> {
  const level = loadConfigSections({ service: serviceEnvSchema }, { LOG_LEVEL: env.LOG_LEVEL }).service.LOG_LEVEL;
  const logger = createLogger({ service: `${POPULATOR_SERVICE_NAME}-cli`, level, sink: (line) => process.stderr.write(line + '\n') });
  try {
    const result = await runPopulatorCommand(argv, env, logger);
    process.stdout.write(JSON.stringify({ command: argv[0], result }) + '\n');
  } catch (error) {
    const badInput = isDomainException(error) && (error.code === ErrorCode.ValidationFailed || error.code === ErrorCode.ConfigInvalid);
    logger.error(`clickhouse-populator ${argv[0] ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { error });
    process.exitCode = badInput ? 2 : 1;
  }
}

const POPULATOR_EXIT_CODES = { 0: 'done', 1: 'failed', 2: 'bad arguments or configuration' };

/**
 * The populator's one-shot commands: each prints one JSON result line on stdout (`--json` is that
 * default, accepted on every command) with log lines on stderr. `historical-load` runs on a migrated
 * schema only.
 */
export function registerPopulatorCommands(program: Command): void {
  const run = (command: Command, name: string) => (options: Record<string, unknown>) => {
    const argv = [name, ...optionWords(options, command)];
    if (name === 'historical-load') runWhenMigrated(POPULATOR_SERVICE_NAME, () => runPopulatorCli(argv));
    else return runPopulatorCli(argv);
  };
  const createTables = program
    .command('create-tables')
    .description('create the analytics tables that are missing, add new columns to older ones')
    .addOption(jsonOption());
  createTables.action(run(createTables, 'create-tables'));

  const load = program
    .command('historical-load')
    .description('Job mode: load PostgreSQL rows straight into ClickHouse (resumable), with a progress bar per entity on a terminal')
    .option('--entities <a,b>', 'entities to load (default: CLICKHOUSE_POPULATOR_ENTITIES)')
    .option('--chunk-rows <n>', 'rows per chunk, 1 to 1000000 (default 50000)')
    .option('--max-chunks <n>', 'stop after this many chunks per entity (resume later)')
    .option('--capture <mode>', 'logical | trigger (default logical)')
    .option('--migration-name <name>', 'checkpoint name prefix (default clickhouse-historical-load)')
    .option('--migration-id <uuid>', 'the run id the rows carry (default: MIGRATION_ID, else derived from MIGRATION_RUN)')
    .addOption(jsonOption());
  load.action(run(load, 'historical-load'));
  describeExitCodes(load, POPULATOR_EXIT_CODES);

  for (const [name, description] of [
    ['snapshot', 'copy a table (or all) to <table>__snapshot__<name>'],
    ['restore', 'atomically replace a table (or all) with its snapshot'],
    ['drop-snapshot', 'remove a snapshot'],
  ] as const) {
    const command = program
      .command(name)
      .description(description)
      .option('--table <table>', "an analytics table, or 'all'")
      .option('--name <name>', 'the snapshot name')
      .addOption(jsonOption());
    command.action(run(command, name));
  }
}
