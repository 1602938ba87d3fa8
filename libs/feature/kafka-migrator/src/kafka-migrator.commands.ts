import type { Command } from 'commander';
import { DEAD_LETTER_STAGES } from '@mch/contracts';
import { runWhenMigrated } from '@mch/data-schema-migrations';
import { describeExitCodes, jsonOption, optionWords } from '@mch/util-cli';
import { runBackfillJob } from './backfill.job';
import { runOperatorCommand, type OperatorCommand } from './operator.commands';
import { RESNAPSHOT_COMMAND, runResnapshotCommand } from './resnapshot.command';

type JsonOptions = { json?: boolean };

const SERVICE = 'kafka-migrator';

const OPERATOR_DESCRIPTIONS: Record<Exclude<OperatorCommand, 'replay-dead-letters'>, string> = {
  status: "print every checkpoint of the run (MIGRATION_RUN) as JSON",
  pause: 'ask running backfills of ENTITIES (this shard) to stop after their chunk',
  resume: 'mark them runnable again (start the Job again to continue)',
  resync: 'forget their progress: the next backfill run starts from the first key',
  'setup-capture': 'create the replication slot and publication (or the capture triggers)',
  'teardown-capture': 'drop them',
};

/**
 * The kafka-migrator's commands (besides the streamer, its default, and `migrate`). Settings come
 * from the environment as in the service (MIGRATION_RUN, ENTITIES, SHARD_*, PG*, KAFKA_*).
 */
export function registerKafkaMigratorCommands(program: Command): void {
  describeExitCodes(
    program
      .command('backfill')
      .description('Job mode: backfill this shard of every entity in ENTITIES, then exit (also: MIGRATOR_MODE=backfill without a command)')
      .addOption(jsonOption())
      .action((options: JsonOptions) =>
        runWhenMigrated(SERVICE, () => runBackfillJob({ ...process.env, MIGRATOR_MODE: 'backfill' }, options)),
      ),
    { 0: 'every shard completed (dead-lettered rows are counted, not fatal)', 1: 'a shard did not complete' },
  );

  for (const [name, description] of Object.entries(OPERATOR_DESCRIPTIONS)) {
    program
      .command(name)
      .description(description)
      .addOption(jsonOption())
      .action((options: JsonOptions) =>
        runWhenMigrated(SERVICE, () => runOperatorCommand(name as OperatorCommand, process.env, [], options)),
      );
  }

  describeExitCodes(
    program
      .command(RESNAPSHOT_COMMAND)
      .description('recover a run whose replication slot was lost: re-snapshot while streaming, close the gap (docs/kafka-migrator.md); prints its summary as JSON')
      .addOption(jsonOption())
      .action(() => runWhenMigrated(SERVICE, () => runResnapshotCommand())),
    { 0: 'the gap is closed', 1: 'not closed (run it again: it resumes)', 2: 'trigger capture: no slot to lose' },
  );

  const replay = program
    .command('replay-dead-letters')
    .description("replay the run's dead letters of ENTITIES once their cause is fixed; prints its summary as JSON")
    .option('--entity <entity>', 'only this entity')
    .option('--id <uuid>', 'only this row')
    .option('--reason <text>', 'only dead letters whose code, message or field contains this')
    .option('--stage <stage>', `only this stage: ${DEAD_LETTER_STAGES.join(', ')}`)
    .option('--dry-run [true|false]', 'list what would be replayed, change nothing')
    .addOption(jsonOption());
  replay.action((options: Record<string, unknown>) =>
    runWhenMigrated(SERVICE, () => runOperatorCommand('replay-dead-letters', process.env, optionWords(options, replay), options)),
  );
  describeExitCodes(replay, { 0: 'nothing left failing', 1: 'some still fail (listed) or an error', 2: 'bad arguments' });
}
