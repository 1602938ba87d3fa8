/** A command line of the form `<command> [--flag value]...`, flags without the leading `--`. */
export interface CommandLine {
  command: string;
  options: Record<string, string>;
}

/** Builds the error a CLI throws for bad arguments, e.g. one carrying its usage text and exit code. */
export type CliArgsFailure = (message: string) => Error;

export class CliArgsError extends Error {
  override readonly name = 'CliArgsError';
}

const asCliArgsError: CliArgsFailure = (message) => new CliArgsError(message);

/**
 * Splits argv into a command and `--flag value` pairs. Every flag takes a value, so a value may
 * itself start with `-` (a negative number) and a dangling flag is refused instead of being read
 * as `true`. Which flags a command accepts, and what their values mean, is left to the caller.
 */
export function parseCommandLine(
  argv: readonly string[],
  fail: CliArgsFailure = asCliArgsError,
): CommandLine {
  const [command, ...rest] = argv;
  if (!command) throw fail('no command given');
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    if (!flag.startsWith('--') || rest[i + 1] === undefined)
      throw fail(`expected --option value, got '${flag}'`);
    options[flag.slice(2)] = rest[i + 1];
  }
  return { command, options };
}

/** Refuses the first flag not in `allowed`, by name, so a typo is not silently ignored. */
export function rejectUnknownFlags(
  options: Readonly<Record<string, string>>,
  allowed: readonly string[],
  fail: CliArgsFailure = asCliArgsError,
): void {
  const unknown = Object.keys(options).find((flag) => !allowed.includes(flag));
  if (unknown !== undefined) throw fail(`unknown option --${unknown}`);
}
