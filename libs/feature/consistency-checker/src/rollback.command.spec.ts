import { DomainException, ErrorCode } from '@mch/util-errors';
import { createLogger } from '@mch/util-logger';
import { RollbackExitCode, rollbackExitCodeOf, runRollbackCommand } from './rollback.command';

const quiet = createLogger({ service: 'rollback-cli-spec', level: 'error', sink: () => undefined });

// Bad input is refused before any store is contacted: the env here has no store settings at all.
async function refusal(argv: string[]): Promise<DomainException> {
  const error = await runRollbackCommand(argv, {}, quiet).then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (!(error instanceof DomainException)) throw error;
  return error;
}

describe('rollback command arguments', () => {
  it.each([
    [['undo', '--to', '2026-01-01T00:00:00Z', '--groups', 'g'], "unknown command 'undo'"],
    [[], 'a verb is required: plan, apply, mark or points'],
    [['plan', 'now', '--groups', 'g'], "too many arguments for 'plan'"],
    [['plan', '--to'], "option '--to <point>' argument missing"],
    [['plan', '--to', '2026-01-01T00:00:00Z', '--groups', 'g', '--force', 'true'], "unknown option '--force'"],
    [['plan', '--to', '2026-01-01T00:00:00Z', '--groups', 'g', '--format', 'yaml'], '--format must be json or table'],
    [['apply', '--to', 'Yesterday', '--groups', 'g'], "--to must be an ISO-8601 instant with a zone (e.g. 2026-12-04T22:00:00Z) or a restore point name (1-40 of a-z, 0-9, '-'); got 'Yesterday'"],
    [['apply', '--to', 'before_deploy', '--groups', 'g'], "got 'before_deploy'"],
    [['plan', '--to', '2026-01-01T00:00:00Z', '--groups', 'g', '--entities', 'opportunity,invoice'], "--entities: 'invoice' is not a migrated entity"],
    [['mark', '--groups', 'g'], "missing required argument 'name'"],
    [['mark', 'Bad_Name', '--groups', 'g'], "restore point name 'Bad_Name' must be 1-40 characters of a-z, 0-9 and '-'"],
    [['mark', 'before-deploy'], '--groups must name at least one consumer group'],
    [['mark', 'before-deploy', '--groups', 'g', '--to', '2026-01-01T00:00:00Z'], "unknown option '--to'"],
    [['points', '--format', 'yaml'], '--format must be json or table'],
    [['apply', '--to', '2026-01-01T00:00:00Z'], '--groups must name at least one consumer group'],
    [['plan', '--to', '2026-01-01T00:00:00Z', '--groups', 'g', '--targets', 'kafka,images'], "--targets: 'images' is not supported; supported: kubernetes, kafka, clickhouse, weaviate, checkpoints"],
  ])('%j is refused: %s', async (argv, message) => {
    const error = await refusal(argv);
    expect(error.code).toBe(ErrorCode.ValidationFailed);
    expect(error.message).toContain(message);
    expect(rollbackExitCodeOf(error)).toBe(RollbackExitCode.Usage);
  });

  it('parses --flag=value like --flag value, and prints each verb\'s help with the exit codes', async () => {
    const error = await refusal(['plan', '--to=Yesterday', '--groups=g']);
    expect(error.message).toContain("got 'Yesterday'");
    const help = await runRollbackCommand(['apply', '--help'], {}, quiet);
    expect(help.exitCode).toBe(RollbackExitCode.Done);
    expect(help.output).toContain('Usage: rollback apply [options]');
    expect(help.output).toContain('--to <point>');
    expect(help.output).toContain('1   refused: a precondition failed, nothing changed');
  });

  it('maps a refused precondition to exit 1 and anything else to exit 3', () => {
    expect(rollbackExitCodeOf(new DomainException(ErrorCode.PreconditionFailed, 'group has live members'))).toBe(RollbackExitCode.Refused);
    expect(rollbackExitCodeOf(new Error('broker down'))).toBe(RollbackExitCode.Failed);
  });
});
