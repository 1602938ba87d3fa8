import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import {
  CheckpointsRollback,
  ClickHouseRollback,
  ConsumerGroupRollback,
  KubeApiClient,
  KubernetesRollback,
  RestorePointMarker,
  RestorePointStore,
  RollbackExecutor,
  RollbackPlanner,
  RollbackRunStore,
  WeaviateRollback,
  checkRestorePointName,
  formatPlanTable,
  kubeConnectionFromEnv,
  parseGroups,
  parseRollbackArguments,
  parseTargets,
  resolveRollbackRequest,
  type RestorePoint,
  type RestorePointSummary,
  type RollbackParticipant,
  type RollbackTarget,
} from '@mch/data-rollback';
import { indexCollectionNames } from '@mch/data-weaviate-index';
import { createClickHouse } from '@mch/infra-clickhouse';
import { createKafka } from '@mch/infra-kafka';
import { createPostgresPool } from '@mch/infra-postgres';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createCliProgram } from '@mch/util-cli';
import {
  clickhouseEnvSchema,
  kafkaEnvSchema,
  loadConfigSections,
  postgresEnvSchema,
  serviceEnvSchema,
  weaviateEnvSchema,
  type Env,
} from '@mch/util-config';
import { DomainException, ErrorCode, isDomainException } from '@mch/util-errors';
import { createLogger, type Logger } from '@mch/util-logger';

/** Exit codes of `rollback`, for an operator or a Kubernetes Job (and the end of every `--help`). */
const ROLLBACK_EXIT_CODES = { 0: 'done', 1: 'refused: a precondition failed, nothing changed', 2: 'bad arguments or configuration', 3: 'a store failed: re-run the same command to resume' };

export const RollbackExitCode = {
  Done: 0,
  /** A precondition failed, e.g. a consumer group still has live members; nothing was changed. */
  Refused: 1,
  Usage: 2,
  /** A store could not be read or written; re-run the same command to resume. */
  Failed: 3,
} as const;

export const ROLLBACK_USAGE = `usage: rollback plan|apply --to <ISO instant with zone | restore point> [--groups g1,g2] [--targets t1,t2]
                        [--entities e1,e2] [--format json|table]
       rollback mark <name> --groups g1,g2 [--targets t1,t2] [--format json|table]
       rollback points [--format json|table]
  plan    reads the live state and prints the ordered actions (offsets, ClickHouse rows, Weaviate objects,
          migrator checkpoints before/after) and what it leaves alone; changes nothing
  apply   executes the same plan step by step, recorded in rollback_runs/rollback_steps; refuses while a
          group has live members; re-running an interrupted apply resumes it
  mark    records a restore point: the groups' offsets, a ClickHouse snapshot, a Weaviate backup and the
          migrator's checkpoints; --to <name> returns every store to it (--groups defaults to the point's)
  points  lists the restore points
  --targets: kubernetes, kafka, clickhouse, weaviate, checkpoints (default: all). --entities limits the checkpoints.
  Stores come from PG*, KAFKA_*, CLICKHOUSE_*, WEAVIATE_* (+ WEAVIATE_COLLECTION_PREFIX) as for every command;
  the cluster from the pod's service account or KUBECONFIG (MCH_K8S_NAMESPACE), none: store side only.
  Exit: 0 done, 1 refused, 2 usage, 3 failed. The operator recorded is MCH_OPERATOR, else the OS user.`;

/** The targets this command has participants for (the others are listed as untouched in every plan). */
export const ROLLBACK_COMMAND_TARGETS: readonly RollbackTarget[] = ['kubernetes', 'kafka', 'clickhouse', 'weaviate', 'checkpoints'];

const prefixSchema = z.object({
  WEAVIATE_COLLECTION_PREFIX: z
    .string()
    .trim()
    .regex(/^([A-Z][A-Za-z0-9]*)?$/, 'empty, or an upper-case letter followed by letters and digits')
    .default(''),
});

function usageError(message: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, `${message}\n${ROLLBACK_USAGE}`, { field: 'argv' });
}

/**
 * The ClickHouse client logs each failed request as a warning. Here a failure either is the capability
 * probe that 18.16 refuses on purpose (query parameters), or reaches this command as an error that it
 * logs itself: the client's own line would be noise or a duplicate.
 */
function errorsOnly(logger: Logger): Logger {
  const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m, f) => logger.error(m, f), child: () => quiet };
  return quiet;
}

/** The store connections of the requested targets (only those are configured and opened). */
interface Connections {
  pool: Pool;
  participants: RollbackParticipant[];
  close(): Promise<void>;
}

async function connect(targets: readonly RollbackTarget[], env: Env, logger: Logger): Promise<Connections> {
  const wants = (t: RollbackTarget) => targets.includes(t);
  const sections = loadConfigSections(
    {
      postgres: postgresEnvSchema,
      ...(wants('kafka') ? { kafka: kafkaEnvSchema } : {}),
      ...(wants('clickhouse') ? { clickhouse: clickhouseEnvSchema } : {}),
      ...(wants('weaviate') ? { weaviate: weaviateEnvSchema, weaviatePrefix: prefixSchema } : {}),
    },
    env,
  ) as unknown as Record<string, never>;
  const pool = createPostgresPool(sections['postgres'], { applicationName: 'rollback-cli', max: 2 });
  const closers: (() => Promise<unknown>)[] = [() => pool.end()];
  const participants: RollbackParticipant[] = [];
  try {
    if (wants('kafka')) {
      const admin: Admin = createKafka(sections['kafka'], { clientId: 'rollback-cli', logger }).admin();
      closers.push(() => admin.disconnect());
      await admin.connect();
      // Its own client id: a member left by a killed apply (kafkajs setOffsets joins the group) is waited out.
      participants.push(new ConsumerGroupRollback(admin, undefined, 'rollback-cli'));
    }
    if (wants('clickhouse')) {
      const client: ClickHouseClient = createClickHouse(sections['clickhouse'], { applicationName: 'rollback-cli', logger: errorsOnly(logger) });
      closers.push(() => client.close());
      participants.push(new ClickHouseRollback(client));
    }
    if (wants('weaviate')) {
      const client: WeaviateClient = await connectWeaviate(sections['weaviate']);
      closers.push(() => client.close());
      const prefix = (sections['weaviatePrefix'] as z.infer<typeof prefixSchema>).WEAVIATE_COLLECTION_PREFIX;
      participants.push(new WeaviateRollback(client, indexCollectionNames(prefix), logger));
    }
    if (wants('checkpoints')) participants.push(new CheckpointsRollback(pool));
    if (wants('kubernetes')) {
      // In a pod its service account, else KUBECONFIG; none: the participant plans the store side only and says so.
      const connection = kubeConnectionFromEnv(env);
      participants.push(new KubernetesRollback(connection ? new KubeApiClient(connection) : null, { namespaceHint: env.MCH_K8S_NAMESPACE }));
    }
  } catch (error) {
    await Promise.allSettled(closers.map((c) => c()));
    throw error;
  }
  return { pool, participants, close: async () => void (await Promise.allSettled(closers.map((c) => c()))) };
}

function formatPoints(points: RestorePointSummary[]): string {
  if (points.length === 0) return '(no restore points)';
  const rows = [['name', 'taken_at', 'taken_by', 'targets'], ...points.map((p) => [p.name, p.takenAt, p.takenBy, p.targets.join(',')])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function formatPoint(point: RestorePoint): string {
  const lines = [`restore point ${point.name} taken at ${point.takenAt}`];
  for (const [target, state] of Object.entries(point.state)) lines.push(`  ${target}: ${JSON.stringify(state)}`);
  return lines.join('\n');
}

type RollbackVerb = 'plan' | 'apply' | 'mark' | 'points';

interface RollbackCommandLine {
  verb: RollbackVerb | 'help';
  /** The restore point's name (`mark`). */
  name?: string;
  options: { to?: string; groups?: string; targets?: string; entities?: string; format?: string };
  /** Help text commander printed (`rollback <verb> --help`). */
  help?: string;
}

/**
 * The rollback command line on util-cli's commander program (the apps' one command library): verbs,
 * flags and `--help` per verb; an unknown verb or flag, a missing value or an extra word is refused
 * naming it. The values are checked by the rollback lib's parsers, which name the field and the limit.
 */
async function parseRollbackCommandLine(argv: readonly string[]): Promise<RollbackCommandLine> {
  let output = '';
  const io = { out: (text: string) => void (output += text), err: (text: string) => void (output += text) };
  const program = createCliProgram({ name: 'rollback', description: 'return the stores and workloads to a restore point or a time (docs/rollback.md)', exitCodes: ROLLBACK_EXIT_CODES }, io);
  program.showHelpAfterError(false);
  let parsed: RollbackCommandLine | undefined;
  const exitCodes = `\nExit codes:\n${Object.entries(ROLLBACK_EXIT_CODES).map(([code, meaning]) => `  ${code}   ${meaning}`).join('\n')}\n`;
  const format = (command: Command) => command.option('--format <json|table>', 'output: the JSON object (default) or a table').addHelpText('after', exitCodes);
  for (const verb of ['plan', 'apply'] as const) {
    const command = program
      .command(verb)
      .description(verb === 'plan' ? 'print the ordered actions; changes nothing' : 'execute the plan step by step, recorded; a re-run resumes it')
      .option('--to <point>', 'a restore point name, or an ISO-8601 instant with a zone')
      .option('--groups <g1,g2>', 'consumer groups to reset (default with a restore point: its groups)')
      .option('--targets <t1,t2>', `of ${ROLLBACK_COMMAND_TARGETS.join(',')} (default: all)`)
      .option('--entities <e1,e2>', 'entities whose migrator checkpoints are rewound (default: all)');
    format(command).action((options: RollbackCommandLine['options']) => void (parsed = { verb, options }));
  }
  format(
    program
      .command('mark')
      .description('record a restore point: offsets, ClickHouse snapshot, Weaviate backup, checkpoints, workload images')
      .argument('<name>', 'the restore point name (1-40 of a-z, 0-9, -)')
      .option('--groups <g1,g2>', 'consumer groups whose offsets the point keeps (required with kafka)')
      .option('--targets <t1,t2>', `of ${ROLLBACK_COMMAND_TARGETS.join(',')} (default: all)`),
  ).action((name: string, options: RollbackCommandLine['options']) => void (parsed = { verb: 'mark', name, options }));
  format(program.command('points').description('list the restore points')).action(
    (options: RollbackCommandLine['options']) => void (parsed = { verb: 'points', options }),
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // A refused command line (exitOverride): commander's error carries a `commander.*` code.
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('commander.')) throw error;
    if (code === 'commander.helpDisplayed') return { verb: 'help', options: {}, help: output.trimEnd() };
    const message = (output.trim() || (error as Error).message).replace(/^error: /, '');
    throw usageError(code === 'commander.help' ? 'a verb is required: plan, apply, mark or points' : message);
  }
  if (parsed === undefined) throw usageError('a verb is required: plan, apply, mark or points');
  return parsed;
}

/** Runs `plan`, `apply`, `mark` or `points`; returns what to print on stdout and the exit code. Bad input throws. */
export async function runRollbackCommand(
  argv: readonly string[],
  env: Env,
  logger: Logger,
): Promise<{ output: string; exitCode: number }> {
  const line = await parseRollbackCommandLine(argv);
  if (line.verb === 'help') return { output: line.help ?? ROLLBACK_USAGE, exitCode: RollbackExitCode.Done };
  const { options } = line;
  const format = parseFormat(options.format);
  const operator = env.MCH_OPERATOR ?? userInfo().username;

  if (line.verb === 'points') {
    const sections = loadConfigSections({ postgres: postgresEnvSchema }, env);
    const pool = createPostgresPool(sections.postgres, { applicationName: 'rollback-cli', max: 1 });
    try {
      const points = await new RestorePointStore(pool).list();
      return { output: format === 'table' ? formatPoints(points) : JSON.stringify(points), exitCode: RollbackExitCode.Done };
    } finally {
      await pool.end();
    }
  }

  if (line.verb === 'mark') {
    const name = checkRestorePointName(line.name as string);
    const targets = parseTargets(options.targets, ROLLBACK_COMMAND_TARGETS);
    const groups = parseGroups(options.groups);
    if (targets.includes('kafka') && groups.length === 0) {
      throw new DomainException(ErrorCode.ValidationFailed, '--groups must name at least one consumer group (the offsets the point keeps)', { field: 'groups' });
    }
    const stores = await connect(targets, env, logger);
    try {
      const point = await new RestorePointMarker(stores.participants, new RestorePointStore(stores.pool), logger).mark(name, { groups, targets }, operator);
      return { output: format === 'table' ? formatPoint(point) : JSON.stringify(point), exitCode: RollbackExitCode.Done };
    } finally {
      await stores.close();
    }
  }

  const args = parseRollbackArguments(options, ROLLBACK_COMMAND_TARGETS);
  const stores = await connect(args.targets, env, logger);
  try {
    const points = new RestorePointStore(stores.pool);
    const request = await resolveRollbackRequest(args, (name) => points.find(name));
    const planner = new RollbackPlanner(stores.participants);
    if (line.verb === 'plan') {
      const plan = await planner.plan(request);
      return { output: format === 'table' ? formatPlanTable(plan) : JSON.stringify(plan), exitCode: RollbackExitCode.Done };
    }
    const result = await new RollbackExecutor(planner, stores.participants, new RollbackRunStore(stores.pool), logger).apply(request, operator);
    const output =
      format === 'table'
        ? `${formatPlanTable(result.plan)}\nrun ${result.runId}: ${result.stepsApplied} step(s) applied, ${result.stepsSkipped} already done${result.resumed ? ' (resumed)' : ''}`
        : JSON.stringify(result);
    return { output, exitCode: RollbackExitCode.Done };
  } finally {
    await stores.close();
  }
}

function parseFormat(value: string | undefined): 'json' | 'table' {
  const format = z.enum(['json', 'table']).default('json').safeParse(value);
  if (!format.success) throw usageError('--format must be json or table');
  return format.data;
}

/** Entry point: JSON log lines on stderr, the plan or result on stdout, the exit code for the Job. */
export async function runRollbackCli(argv: readonly string[], env: Env = process.env): Promise<void> {
  const level = loadConfigSections({ service: serviceEnvSchema }, { LOG_LEVEL: env.LOG_LEVEL }).service.LOG_LEVEL;
  const logger = createLogger({ service: 'rollback-cli', level, sink: (line) => process.stderr.write(`${line}\n`) });
  try {
    const { output, exitCode } = await runRollbackCommand(argv, env, logger);
    process.stdout.write(`${output}\n`);
    process.exitCode = exitCode;
  } catch (error) {
    logger.error(`rollback ${argv[0] ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { error });
    process.exitCode = rollbackExitCodeOf(error);
  }
}

export function rollbackExitCodeOf(error: unknown): number {
  if (!isDomainException(error)) return RollbackExitCode.Failed;
  if (error.code === ErrorCode.ValidationFailed || error.code === ErrorCode.ConfigInvalid) return RollbackExitCode.Usage;
  if (error.code === ErrorCode.PreconditionFailed) return RollbackExitCode.Refused;
  return RollbackExitCode.Failed;
}
