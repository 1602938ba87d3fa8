import type { Command } from 'commander';
import { jsonOption } from '@mch/util-cli';
import { createLogger, type LogFields, type Logger } from '@mch/util-logger';
import { MIGRATE_USAGE, runMigrateCommand } from './migrate.cli';

/**
 * With --json the command's log lines go to stderr and its result (the fields of the line that
 * reports it: applied/pending, or steps reverted) is printed as one JSON line on stdout.
 */
function jsonResultLogger(command: string): { logger: Logger; print: () => void } {
  const base = createLogger({ service: 'schema-migrate', sink: (line) => process.stderr.write(`${line}\n`) });
  let result: LogFields = {};
  const logger: Logger = {
    ...base,
    info: (message, fields) => {
      result = fields ?? {};
      base.info(message, fields);
    },
  };
  return { logger, print: () => process.stdout.write(`${JSON.stringify({ command: `migrate ${command}`, result })}\n`) };
}

async function migrate(words: string[], json: boolean): Promise<void> {
  const output = json ? jsonResultLogger(words[0]) : undefined;
  const code = await runMigrateCommand(words, process.env, output?.logger);
  if (code === 0) output?.print();
  process.exitCode = code;
}

/** `<app> migrate up|status|down [steps]`, the toolkit's schema migrations, in every app's program. */
export function registerMigrateCommand(program: Command): Command {
  const command = program
    .command('migrate')
    .description("the toolkit's schema migrations on the PG* database (the k8s schema-migrate Job runs `migrate up`)")
    .showHelpAfterError(MIGRATE_USAGE);
  command
    .command('up')
    .description('apply the missing migrations (idempotent; exit 0 when all are applied)')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) => migrate(['up'], options.json === true));
  command
    .command('status')
    .description('list applied and pending migrations (exit 0)')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) => migrate(['status'], options.json === true));
  command
    .command('down')
    .description('revert the newest applied migrations (all by default)')
    .argument('[steps]', 'how many to revert, a whole number from 1')
    .addOption(jsonOption())
    .action((steps: string | undefined, options: { json?: boolean }) => migrate(['down', ...(steps === undefined ? [] : [steps])], options.json === true));
  return command;
}
