import { ENTITY_TOPICS, type MigratedEntity } from '@mch/contracts';
import { z } from 'zod';
import {
  CheckRunRepository,
  ConsistencyChecker,
  DEFAULT_EVENT_ORDER,
  renderReportTable,
  traceCorrelation,
  traceLineage,
  validateEventOrder,
  type ConsistencyReport,
  type ConsistencyStores,
  type TargetStore,
} from '@mch/data-consistency';
import { indexCollectionNames } from '@mch/data-weaviate-index';
import { createClickHouse } from '@mch/infra-clickhouse';
import { createKafka } from '@mch/infra-kafka';
import { createPostgresPool } from '@mch/infra-postgres';
import { connectWeaviate } from '@mch/infra-weaviate';
import {
  clickhouseEnvSchema,
  kafkaEnvSchema,
  loadConfigSections,
  parseCommandLine,
  postgresEnvSchema,
  rejectUnknownFlags,
  serviceEnvSchema,
  weaviateEnvSchema,
  type CommandLine,
  type Env,
} from '@mch/util-config';
import { DomainException, ErrorCode, isDomainException } from '@mch/util-errors';
import { createLogger, type Logger } from '@mch/util-logger';
import type { Command } from 'commander';
import { createProgressReporter, describeExitCodes, jsonOption, optionWords } from '@mch/util-cli';
import { checkOptionsFrom, lineageTopics, topicOf } from './check-options';
import { consistencyCheckerConfigSchema, type ConsistencyCheckerConfig } from './consistency-checker.config';

export const CONSISTENCY_SERVICE_NAME = 'consistency-checker';

/** Exit codes of Job mode, for Kubernetes and the Argo Rollouts analysis step. */
export const ExitCode = {
  /** Consistent: within the thresholds and no row dead-lettered. */
  Passed: 0,
  /** Unexplained discrepancies break the thresholds, or event-store ordering problems, or undecodable messages. */
  Failed: 1,
  /** Bad arguments or configuration. */
  Usage: 2,
  /** A store could not be read, so nothing can be said about consistency. */
  Unreadable: 3,
  /** Consistent except rows the run's dead letters explain: replay them (kafka-migrator replay-dead-letters). */
  DeadLettered: 4,
} as const;

/** The exit code of a check's report. */
export function exitCodeOf(report: Pick<ConsistencyReport, 'verdict'>): number {
  switch (report.verdict) {
    case 'consistent':
      return ExitCode.Passed;
    case 'dead-lettered':
      return ExitCode.DeadLettered;
    case 'unreadable':
      return ExitCode.Unreadable;
    case 'inconsistent':
      return ExitCode.Failed;
  }
}

export const CLI_USAGE = `usage: consistency-checker-cli <command> [options]
  check [--mode counts|content] [--entities a,b] [--targets kafka,clickhouse,weaviate] [--migration-id UUID]
        [--watermark ISO] [--lag-seconds N] [--max-discrepancies N] [--max-rate R] [--event-store none|all|HOURS]
        [--format json|table] [--record true|false]
                         compare the stores (settings default to the CONSISTENCY_* variables); rows missing
                         because a stage dead-lettered them (the run's dlq topics) are reported apart, and
                         only unexplained discrepancies count against the thresholds. Exit codes:
                         0 consistent (within the thresholds, nothing dead-lettered)
                         4 consistent except dead-lettered rows (replay them: kafka-migrator replay-dead-letters)
                         1 unexplained discrepancies break the thresholds (or event-store order, undecodable messages)
                         2 bad arguments, 3 a store could not be read
  event-order [--since ISO] [--until ISO] [--fail-on-position-gaps true|false]
                         check event_store stream versions and global positions only
  lineage --entity E --id UUID
                         where one row is in each store, with source positions and correlation ids
  lineage --correlation-id UUID
                         everything one correlation id touched: event-store and outbox rows, Kafka messages,
                         ClickHouse rows, Weaviate objects, each with its causation id
  history [--limit N]    recorded runs, newest first`;

/** CLI flag -> the variable it overrides; the config schema validates both the same way. */
const CHECK_FLAGS: Record<string, string> = {
  mode: 'CONSISTENCY_MODE',
  entities: 'CONSISTENCY_ENTITIES',
  targets: 'CONSISTENCY_TARGETS',
  'migration-id': 'CONSISTENCY_MIGRATION_ID',
  watermark: 'CONSISTENCY_WATERMARK',
  'lag-seconds': 'CONSISTENCY_IN_FLIGHT_LAG_SECONDS',
  'max-discrepancies': 'CONSISTENCY_MAX_DISCREPANCIES',
  'max-rate': 'CONSISTENCY_MAX_DISCREPANCY_RATE',
  'event-store': 'CONSISTENCY_EVENT_STORE',
  record: 'CONSISTENCY_RECORD_RUNS',
};

function usageError(message: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, `${message}\n${CLI_USAGE}`, { field: 'argv' });
}

export function parseCliArgs(argv: readonly string[]): CommandLine {
  return parseCommandLine(argv, usageError);
}

function allowOnly(options: Record<string, string>, allowed: string[]): void {
  rejectUnknownFlags(options, allowed, usageError);
}

function configFrom(options: Record<string, string>, env: Env): ConsistencyCheckerConfig {
  const overrides: Env = {};
  for (const [flag, variable] of Object.entries(CHECK_FLAGS))
    if (options[flag] !== undefined) overrides[variable] = options[flag];
  return loadConfigSections({ app: consistencyCheckerConfigSchema }, { ...env, ...overrides }).app;
}

/** Connects to PostgreSQL and to the targets asked for; every client is closed by the returned close(). */
async function connect(
  env: Env,
  targets: readonly TargetStore[],
  config: ConsistencyCheckerConfig,
): Promise<{ stores: ConsistencyStores; close: () => Promise<void> }> {
  const sections = loadConfigSections(
    {
      postgres: postgresEnvSchema,
      // Kafka also for the run's dead letters, which explain rows missing from any target.
      ...(targets.includes('kafka') || env.KAFKA_BROKERS ? { kafka: kafkaEnvSchema } : {}),
      ...(targets.includes('clickhouse') ? { clickhouse: clickhouseEnvSchema } : {}),
      ...(targets.includes('weaviate') ? { weaviate: weaviateEnvSchema } : {}),
    },
    env,
  ) as {
    postgres: z.infer<typeof postgresEnvSchema>;
    kafka?: z.infer<typeof kafkaEnvSchema>;
    clickhouse?: z.infer<typeof clickhouseEnvSchema>;
    weaviate?: z.infer<typeof weaviateEnvSchema>;
  };
  const quiet = createLogger({
    service: `${CONSISTENCY_SERVICE_NAME}-cli`,
    level: 'warn',
    sink: (line) => process.stderr.write(`${line}\n`),
  });
  const pool = createPostgresPool(sections.postgres, {
    applicationName: `${CONSISTENCY_SERVICE_NAME}-cli`,
    max: 6,
  });
  const clickhouse = sections.clickhouse
    ? createClickHouse(sections.clickhouse, {
        applicationName: `${CONSISTENCY_SERVICE_NAME}-cli`,
        logger: quiet,
      })
    : undefined;
  const weaviate = sections.weaviate ? await connectWeaviate(sections.weaviate) : undefined;
  return {
    stores: {
      pool,
      kafka: sections.kafka
        ? createKafka(sections.kafka, { clientId: `${CONSISTENCY_SERVICE_NAME}-cli`, logger: quiet })
        : undefined,
      clickhouse,
      weaviate: weaviate
        ? { client: weaviate, names: indexCollectionNames(config.CONSISTENCY_WEAVIATE_PREFIX) }
        : undefined,
    },
    close: async () => {
      await Promise.allSettled([pool.end(), clickhouse?.close(), weaviate?.close()]);
    },
  };
}

async function check(
  options: Record<string, string>,
  env: Env,
  logger: Logger,
): Promise<{ output: string; exitCode: number }> {
  allowOnly(options, [...Object.keys(CHECK_FLAGS), 'format']);
  const format = z.enum(['json', 'table']).default('json').safeParse(options.format);
  if (!format.success) throw usageError(`--format must be json or table`);
  const config = configFrom(options, env);
  const { stores, close } = await connect(env, config.CONSISTENCY_TARGETS, config);
  try {
    const progress = createProgressReporter({ logger });
    const task = progress.task('entities', 'check progress');
    const report = await new ConsistencyChecker(stores)
      .run({ ...checkOptionsFrom(config, logger), onProgress: (p) => task.update({ done: p.done, total: p.total, fields: { entity: p.entity } }) })
      .finally(() => progress.stop());
    if (config.CONSISTENCY_RECORD_RUNS) await new CheckRunRepository(stores.pool).record(report);
    return {
      output: format.data === 'table' ? renderReportTable(report) : JSON.stringify(report),
      exitCode: exitCodeOf(report),
    };
  } finally {
    await close();
  }
}

const isoDate = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

async function eventOrder(
  options: Record<string, string>,
  env: Env,
): Promise<{ output: string; exitCode: number }> {
  const args = z
    .object({
      since: isoDate.optional(),
      until: isoDate.optional(),
      'fail-on-position-gaps': z.enum(['true', 'false']).default('false'),
    })
    .strict()
    .safeParse(options);
  if (!args.success)
    throw usageError(`--${args.error.issues[0].path.join('.')} ${args.error.issues[0].message}`);
  const { postgres } = loadConfigSections({ postgres: postgresEnvSchema }, env);
  const pool = createPostgresPool(postgres, { applicationName: `${CONSISTENCY_SERVICE_NAME}-cli`, max: 2 });
  try {
    const report = await validateEventOrder(pool, {
      ...DEFAULT_EVENT_ORDER,
      from: args.data.since ?? null,
      to: args.data.until ?? null,
      failOnPositionGaps: args.data['fail-on-position-gaps'] === 'true',
    });
    return { output: JSON.stringify(report), exitCode: report.passed ? ExitCode.Passed : ExitCode.Failed };
  } finally {
    await pool.end();
  }
}

async function lineage(
  options: Record<string, string>,
  env: Env,
): Promise<{ output: string; exitCode: number }> {
  allowOnly(options, ['entity', 'id', 'correlation-id']);
  const config = configFrom({}, env);
  if (options['correlation-id'] !== undefined) return correlationLineage(options, env, config);
  if (!options.entity || !(options.entity in ENTITY_TOPICS))
    throw usageError(`--entity '${options.entity ?? ''}' is not a migrated entity`);
  const entity = options.entity as MigratedEntity;
  if (!options.id) throw usageError('--id is required');
  const { stores, close } = await connect(env, config.CONSISTENCY_TARGETS, config);
  try {
    const report = await traceLineage(
      {
        pool: stores.pool,
        kafka: stores.kafka,
        topic: topicOf(config, entity),
        clickhouse: stores.clickhouse,
        weaviate: stores.weaviate,
        kafkaTimeoutMs: config.CONSISTENCY_KAFKA_TIMEOUT_SECONDS * 1_000,
      },
      entity,
      options.id,
    );
    return {
      output: JSON.stringify(report),
      exitCode: report.errors.length > 0 ? ExitCode.Unreadable : ExitCode.Passed,
    };
  } finally {
    await close();
  }
}

async function correlationLineage(
  options: Record<string, string>,
  env: Env,
  config: ConsistencyCheckerConfig,
): Promise<{ output: string; exitCode: number }> {
  if (options.entity !== undefined || options.id !== undefined)
    throw usageError('--correlation-id is used alone, without --entity and --id');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options['correlation-id']))
    throw usageError(`--correlation-id '${options['correlation-id'].slice(0, 100)}' is not a UUID`);
  const { stores, close } = await connect(env, config.CONSISTENCY_TARGETS, config);
  try {
    const report = await traceCorrelation(
      {
        pool: stores.pool,
        kafka: stores.kafka,
        topics: lineageTopics(config),
        clickhouse: stores.clickhouse,
        weaviate: stores.weaviate,
        kafkaTimeoutMs: config.CONSISTENCY_KAFKA_TIMEOUT_SECONDS * 1_000,
      },
      options['correlation-id'],
    );
    return {
      output: JSON.stringify(report),
      exitCode: report.errors.length > 0 ? ExitCode.Unreadable : ExitCode.Passed,
    };
  } finally {
    await close();
  }
}

async function history(
  options: Record<string, string>,
  env: Env,
): Promise<{ output: string; exitCode: number }> {
  allowOnly(options, ['limit']);
  const limit = z.coerce.number().int().min(1).max(1_000).default(20).safeParse(options.limit);
  if (!limit.success) throw usageError('--limit must be a whole number from 1 to 1000');
  const { postgres } = loadConfigSections({ postgres: postgresEnvSchema }, env);
  const pool = createPostgresPool(postgres, { applicationName: `${CONSISTENCY_SERVICE_NAME}-cli`, max: 1 });
  try {
    return {
      output: JSON.stringify(await new CheckRunRepository(pool).history(limit.data)),
      exitCode: ExitCode.Passed,
    };
  } finally {
    await pool.end();
  }
}

/** Runs one command; returns what to print on stdout and the exit code. Bad input throws a DomainException. */
export async function runConsistencyCommand(
  argv: readonly string[],
  env: Env,
  logger: Logger,
): Promise<{ output: string; exitCode: number }> {
  const { command, options } = parseCliArgs(argv);
  switch (command) {
    case 'check':
      return check(options, env, logger);
    case 'event-order':
      return eventOrder(options, env);
    case 'lineage':
      return lineage(options, env);
    case 'history':
      return history(options, env);
    default:
      throw usageError(`unknown command '${command}'`);
  }
}

/**
 * Job mode entry: JSON log lines on stderr, the result on stdout (JSON, or the table with
 * --format table), and the exit code says what the Job or the Argo analysis should conclude.
 */
export async function runConsistencyCli(argv: readonly string[], env: Env = process.env): Promise<void> {
  const level = loadConfigSections({ service: serviceEnvSchema }, { LOG_LEVEL: env.LOG_LEVEL }).service
    .LOG_LEVEL;
  const logger = createLogger({
    service: `${CONSISTENCY_SERVICE_NAME}-cli`,
    level,
    sink: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    const { output, exitCode } = await runConsistencyCommand(argv, env, logger);
    process.stdout.write(`${output}\n`);
    process.exitCode = exitCode;
  } catch (error) {
    const badInput =
      isDomainException(error) &&
      (error.code === ErrorCode.ValidationFailed || error.code === ErrorCode.ConfigInvalid);
    logger.error(
      `consistency-checker ${argv[0] ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
      { error },
    );
    process.exitCode = badInput ? ExitCode.Usage : ExitCode.Unreadable;
  }
}

const CHECK_OPTIONS: [flag: string, description: string][] = [
  ['--mode <mode>', 'counts | content (CONSISTENCY_MODE)'],
  ['--entities <a,b>', 'entities to compare (CONSISTENCY_ENTITIES)'],
  ['--targets <t1,t2>', 'kafka, clickhouse, weaviate (CONSISTENCY_TARGETS)'],
  ['--migration-id <uuid>', "only this migration's events (CONSISTENCY_MIGRATION_ID)"],
  ['--watermark <iso>', 'rows changed after this are in flight (CONSISTENCY_WATERMARK)'],
  ['--lag-seconds <n>', 'rows changed this recently are in flight (CONSISTENCY_IN_FLIGHT_LAG_SECONDS)'],
  ['--max-discrepancies <n>', 'threshold (CONSISTENCY_MAX_DISCREPANCIES)'],
  ['--max-rate <r>', 'threshold, discrepancies per row (CONSISTENCY_MAX_DISCREPANCY_RATE)'],
  ['--event-store <scope>', 'none | all | HOURS of event-store order checks (CONSISTENCY_EVENT_STORE)'],
  ['--format <format>', 'json (default) | table'],
  ['--record <bool>', 'true | false: record the run in consistency_check_runs (CONSISTENCY_RECORD_RUNS)'],
];

/**
 * The checker's one-shot commands. Each prints its result on stdout (JSON; `check --format table`
 * a table; `--json` selects JSON) with log lines on stderr; `run` wraps each in the app's schema gate.
 */
export function registerConsistencyCommands(program: Command, run: (argv: string[]) => void): void {
  const register = (name: string, description: string, options: [string, string][]) => {
    const command = program.command(name).description(description);
    for (const [flag, text] of options) command.option(flag, text);
    command.addOption(jsonOption());
    command.action((parsed: Record<string, unknown>) => {
      if (parsed.json === true && parsed.format !== undefined && parsed.format !== 'json')
        command.error(`error: --json and --format ${String(parsed.format)} disagree`, { exitCode: ExitCode.Usage });
      const words = optionWords(parsed, command);
      run([name, ...words, ...(parsed.json === true && name === 'check' && parsed.format === undefined ? ['--format', 'json'] : [])]);
    });
    return describeExitCodes(command, { 0: 'done', 1: 'failed', 2: 'bad arguments or configuration', 3: 'a store could not be read' });
  };
  describeExitCodes(
    register(
      'check',
      'compare the stores (settings default to the CONSISTENCY_* variables); rows a stage dead-lettered are reported apart and only unexplained discrepancies count against the thresholds; a progress bar per entity on a terminal',
      CHECK_OPTIONS,
    ),
    {
      [ExitCode.Passed]: 'consistent (within the thresholds, nothing dead-lettered)',
      [ExitCode.Failed]: 'unexplained discrepancies break the thresholds (or event-store order, undecodable messages)',
      [ExitCode.Usage]: 'bad arguments or configuration',
      [ExitCode.Unreadable]: 'a store could not be read',
      [ExitCode.DeadLettered]: 'consistent except dead-lettered rows (replay them: kafka-migrator replay-dead-letters)',
    },
  );
  describeExitCodes(
    register('event-order', 'check event_store stream versions and global positions only', [
      ['--since <iso>', 'from this instant'],
      ['--until <iso>', 'up to this instant'],
      ['--fail-on-position-gaps <bool>', 'true | false (default false)'],
    ]),
    { 0: 'in order', 1: 'order problems found', 2: 'bad arguments or configuration', 3: 'a store could not be read' },
  );
  describeExitCodes(
    register('lineage', 'where one row is in each store (--entity and --id), or everything one correlation id touched (--correlation-id alone)', [
      ['--entity <entity>', 'a migrated entity'],
      ['--id <uuid>', "the row's id"],
      ['--correlation-id <uuid>', 'event-store and outbox rows, Kafka messages, ClickHouse rows, Weaviate objects with this id'],
    ]),
    { 0: 'traced', 2: 'bad arguments or configuration', 3: 'a store could not be read' },
  );
  register('history', 'recorded check runs, newest first', [['--limit <n>', '1 to 1000 (default 20)']]);
}
