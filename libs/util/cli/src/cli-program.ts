import { Command, CommanderError, Option } from 'commander';

/** Exit code of a command line the program refuses (unknown command or flag, missing value). */
export const USAGE_EXIT_CODE = 2;

export interface CliProgramOptions {
  /** The program's name in usage lines (the app's name). */
  name: string;
  description: string;
  /** Exit codes the program's commands use, shown at the end of every `--help`. */
  exitCodes: Readonly<Record<number, string>>;
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function exitCodesHelp(exitCodes: Readonly<Record<number, string>>): string {
  const rows = Object.entries(exitCodes).map(([code, meaning]) => `  ${code.padEnd(3)} ${meaning}`);
  return `\nExit codes:\n${rows.join('\n')}\n`;
}

/**
 * The command-line program of one app, on commander: subcommands, `--help` for the program and
 * every command, unknown commands and flags refused by name with exit 2. Register commands with
 * `program.command(name)` (it inherits these settings; `addCommand` would not) or with a
 * feature's `register…Commands(program)`; run it with runCliProgram. `exitCodes` is the table every
 * `--help` ends with; a command adds its own with `describeExitCodes`.
 */
export function createCliProgram(options: CliProgramOptions, io: CliIo = processIo): Command {
  const program = new Command(options.name)
    .description(options.description)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError(`(run '${options.name} --help' for usage)`)
    .helpCommand(false);
  programExitCodes.set(program, options.exitCodes);
  return program;
}

const programExitCodes = new WeakMap<Command, Readonly<Record<number, string>>>();
const ownExitCodes = new WeakMap<Command, Readonly<Record<number, string>>>();
const finished = new WeakSet<Command>();

/** A command's own exit codes, shown in its `--help` over the program's (same code: the command's meaning). */
export function describeExitCodes(command: Command, exitCodes: Readonly<Record<number, string>>): Command {
  ownExitCodes.set(command, exitCodes);
  return command;
}

/** Every command's help ends with its exit-code table; no `help` command. */
function finishHelp(command: Command, codes: Readonly<Record<number, string>>): void {
  if (finished.has(command)) return;
  finished.add(command);
  command.helpCommand(false);
  const table = Object.fromEntries(
    Object.entries({ ...codes, ...ownExitCodes.get(command) }).sort(([a], [b]) => Number(a) - Number(b)),
  );
  command.addHelpText('after', exitCodesHelp(table));
  for (const sub of command.commands) finishHelp(sub, codes);
}

/**
 * The action when no command is given (the app's service). Any other first word is refused as an
 * unknown command, naming it, rather than commander's "too many arguments".
 */
export function defaultAction(program: Command, action: () => void | Promise<void>): Command {
  return program.usage('[options] [command]').argument('[command]', 'one of the commands below; none runs the service').action(async (command?: string) => {
    if (command !== undefined) program.error(`error: unknown command '${command}'`, { code: 'commander.unknownCommand', exitCode: USAGE_EXIT_CODE });
    await action();
  });
}

/** `--json`: every operator command can print its result as one JSON line on stdout. */
export function jsonOption(): Option {
  return new Option('--json', 'print the result as one JSON line on stdout');
}

/**
 * A command whose arguments another parser reads (its own usage, validation and exit codes):
 * commander only routes to it, passing every word after the command name through unchanged.
 * `--help` / `-h` print `usage` with exit 0, or, with `usage` null, go through too (a parser with
 * its own per-verb help, like rollback's).
 */
export function passThroughCommand(
  program: Command,
  name: string,
  description: string,
  usage: string | null,
  run: (args: string[]) => void | Promise<void>,
  io: CliIo = processIo,
): Command {
  return program
    .command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'passed through unchanged')
    .action(async (args: string[]) => {
      if (usage !== null && args.some((a) => a === '--help' || a === '-h')) {
        io.out(`${usage}\n`);
        return;
      }
      await run(args);
    });
}

/**
 * Options as the `--flag value` words the feature parsers read (they keep their value checks and
 * messages): commander has already refused unknown flags and missing values. A boolean flag that is
 * set becomes `--flag` alone, or `--flag true` when `booleansWithValue` says its parser wants one.
 */
export function optionWords(
  options: Record<string, unknown>,
  command: Command,
  booleansWithValue: readonly string[] = [],
): string[] {
  const words: string[] = [];
  for (const option of command.options) {
    const key = option.attributeName();
    const value = options[key];
    const flag = option.long ?? option.short ?? '';
    if (value === undefined || value === false || key === 'json') continue;
    if (value === true) words.push(...(booleansWithValue.includes(flag.replace(/^--/, '')) ? [flag, 'true'] : [flag]));
    else words.push(flag, String(value));
  }
  return words;
}

const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * A reader that goes away (`main.js --help | head`, quitting `less`, a `tee` that died) closes the
 * pipe, and Node raises the next write's EPIPE as an uncaught error: a stack trace and exit 1 from a
 * command that did nothing wrong. The command runs on to its own exit code instead (a backfill is
 * not cut short because its log reader went); what it still prints has no reader. Other stream
 * errors stay fatal.
 */
export function ignoreClosedReader(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

/**
 * Parses argv and runs the command (the actions set process.exitCode for their outcome). Help exits
 * 0; a refused command line has printed commander's error naming the command or flag, and exits 2.
 */
export async function runCliProgram(program: Command, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  ignoreClosedReader(process.stdout);
  const codes = programExitCodes.get(program);
  if (codes) finishHelp(program, codes);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // 'commander.help' is the help shown for a command given without its subcommand: a usage error.
    const helpShown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    process.exitCode = helpShown ? 0 : USAGE_EXIT_CODE;
  }
}
