import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { runMigrateCli, runWhenMigrated } from '@mch/data-schema-migrations';
import {
  KafkaMigratorModule,
  OPERATOR_COMMANDS,
  RESNAPSHOT_COMMAND,
  kafkaMigratorConfigSchema,
  runBackfillJob,
  runOperatorCommand,
  runResnapshotCommand,
  type OperatorCommand,
} from '@mch/feature-kafka-migrator';

// Reads the monolith in PostgreSQL and publishes its rows and changes to Kafka:
//   main.js                 change streamer with health endpoints (MIGRATOR_MODE=stream, the default)
//   main.js backfill        Job backfilling one shard, exit code (also: MIGRATOR_MODE=backfill, no argument)
//   main.js <command>       status | pause | resume | resync | setup-capture | teardown-capture
//   main.js resnapshot      recovers a lost replication slot (docs/kafka-migrator.md)
//   main.js replay-dead-letters [--entity E] [--id UUID] [--reason TEXT] [--stage S] [--dry-run]
//   main.js migrate up|status|down   the schema migrations
const [command, ...args] = process.argv.slice(2);
if (command === 'migrate') {
  runMigrateCli(args);
} else if (command === 'backfill' || (command === undefined && process.env.MIGRATOR_MODE === 'backfill')) {
  runWhenMigrated('kafka-migrator', () => runBackfillJob({ ...process.env, MIGRATOR_MODE: 'backfill' }));
} else if (command === RESNAPSHOT_COMMAND) {
  runWhenMigrated('kafka-migrator', () => runResnapshotCommand());
} else if (command !== undefined && (OPERATOR_COMMANDS as readonly string[]).includes(command)) {
  runWhenMigrated('kafka-migrator', () => runOperatorCommand(command as OperatorCommand, process.env, args));
} else if (command !== undefined) {
  process.stderr.write(
    `unknown command '${command}'; use no argument (the streamer), backfill, migrate, ${RESNAPSHOT_COMMAND}, or one of ${OPERATOR_COMMANDS.join(', ')}\n`,
  );
  process.exitCode = 2;
} else {
  runService({
    name: 'kafka-migrator',
    stores: ['postgres', 'kafka'],
    config: kafkaMigratorConfigSchema,
    imports: [KafkaMigratorModule],
  });
}
