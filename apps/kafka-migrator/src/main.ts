import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { registerMigrateCommand, runWhenMigrated } from '@mch/data-schema-migrations';
import { KafkaMigratorModule, kafkaMigratorConfigSchema, registerKafkaMigratorCommands, runBackfillJob } from '@mch/feature-kafka-migrator';
import { createCliProgram, defaultAction, runCliProgram } from '@mch/util-cli';

// Reads the monolith in PostgreSQL and publishes its rows and changes to Kafka. Without a command:
// the change streamer with health endpoints (MIGRATOR_MODE=stream, the default), or the backfill
// Job with MIGRATOR_MODE=backfill. `main.js --help` lists the commands.
const program = createCliProgram({
  name: 'kafka-migrator',
  description: 'PostgreSQL monolith -> Kafka: backfill, change capture, operator commands',
  exitCodes: { 0: 'done', 1: 'failed (see the command)', 2: 'bad arguments or configuration' },
});
defaultAction(program, () => {
  if (process.env.MIGRATOR_MODE === 'backfill')
    return runWhenMigrated('kafka-migrator', () => runBackfillJob({ ...process.env, MIGRATOR_MODE: 'backfill' }));
  runService({ name: 'kafka-migrator', stores: ['postgres', 'kafka'], config: kafkaMigratorConfigSchema, imports: [KafkaMigratorModule] });
});
registerKafkaMigratorCommands(program);
registerMigrateCommand(program);
void runCliProgram(program);
