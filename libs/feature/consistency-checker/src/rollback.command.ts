import { userInfo } from 'node:os';
import { z } from 'zod';
import {
  ConsumerGroupRollback,
  RollbackExecutor,
  RollbackPlanner,
  RollbackRunStore,
  formatPlanTable,
  parseRollbackRequest,
  type RollbackTarget,
} from '@mch/data-rollback';
import { createKafka } from '@mch/infra-kafka';
import { createPostgresPool } from '@mch/infra-postgres';
import {
  kafkaEnvSchema,
  loadConfigSections,
  parseCommandLine,
  postgresEnvSchema,
  rejectUnknownFlags,
  serviceEnvSchema,
  type Env,
} from '@mch/util-config';
import { DomainException, ErrorCode, isDomainException } from '@mch/util-errors';
import { createLogger, type Logger } from '@mch/util-logger';

/** Exit codes of `rollback`, for an operator or a Kubernetes Job. */
export const RollbackExitCode = {
  Done: 0,
  /** A precondition failed, e.g. a consumer group still has live members; nothing was changed. */
  Refused: 1,
  Usage: 2,
  /** A store could not be read or written; re-run the same command to resume. */
  Failed: 3,
} as const;

export const ROLLBACK_USAGE = `usage: rollback plan|apply --to <ISO instant with zone> --groups g1,g2 [--targets kafka] [--format json|table]
  plan   reads the live state and prints the ordered actions (group offsets before/after); changes nothing
  apply  executes the same plan step by step, recorded in rollback_runs/rollback_steps; refuses while a
         group has live members; re-running an interrupted apply resumes it
  Only Kafka consumer groups are rolled back so far (docs/rollback.md). Exit: 0 done, 1 refused, 2 usage, 3 failed.
  The operator recorded is MCH_OPERATOR, else the OS user.`;

/** The targets this command has participants for (the others are listed as untouched in every plan). */
const ROLLBACK_COMMAND_TARGETS: readonly RollbackTarget[] = ['kafka'];

function usageError(message: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, `${message}\n${ROLLBACK_USAGE}`, { field: 'argv' });
}

/** Runs `plan` or `apply`; returns what to print on stdout and the exit code. Bad input throws. */
export async function runRollbackCommand(
  argv: readonly string[],
  env: Env,
  logger: Logger,
): Promise<{ output: string; exitCode: number }> {
  const { command, options } = parseCommandLine(argv, usageError);
  if (command !== 'plan' && command !== 'apply') throw usageError(`unknown rollback verb '${command}'`);
  rejectUnknownFlags(options, ['to', 'groups', 'targets', 'format'], usageError);
  const format = z.enum(['json', 'table']).default('json').safeParse(options.format);
  if (!format.success) throw usageError('--format must be json or table');
  const request = parseRollbackRequest(options, ROLLBACK_COMMAND_TARGETS);

  const sections = loadConfigSections({ postgres: postgresEnvSchema, kafka: kafkaEnvSchema }, env);
  const kafka = createKafka(sections.kafka, { clientId: 'rollback-cli', logger });
  const admin = kafka.admin();
  const pool = createPostgresPool(sections.postgres, { applicationName: 'rollback-cli', max: 2 });
  try {
    await admin.connect();
    const participants = [new ConsumerGroupRollback(admin)];
    const planner = new RollbackPlanner(participants);
    if (command === 'plan') {
      const plan = await planner.plan(request);
      return { output: format.data === 'table' ? formatPlanTable(plan) : JSON.stringify(plan), exitCode: RollbackExitCode.Done };
    }
    const operator = env.MCH_OPERATOR ?? userInfo().username;
    const result = await new RollbackExecutor(planner, participants, new RollbackRunStore(pool), logger).apply(request, operator);
    const output =
      format.data === 'table'
        ? `${formatPlanTable(result.plan)}\nrun ${result.runId}: ${result.stepsApplied} step(s) applied, ${result.stepsSkipped} already done${result.resumed ? ' (resumed)' : ''}`
        : JSON.stringify(result);
    return { output, exitCode: RollbackExitCode.Done };
  } finally {
    await Promise.allSettled([admin.disconnect(), pool.end()]);
  }
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
