import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import {
  KafkaMigratorModule,
  OPERATOR_COMMANDS,
  kafkaMigratorConfigSchema,
  runBackfillJob,
  runOperatorCommand,
  type OperatorCommand,
} from '@mch/feature-kafka-migrator';

// Reads the monolith in PostgreSQL and publishes its rows and changes to Kafka:
//   main.js                 MIGRATOR_MODE=stream (default): change streamer with health endpoints
//   main.js                 MIGRATOR_MODE=backfill: Kubernetes Job backfilling one shard, exit code
//   main.js <command>       status | pause | resume | resync | setup-capture | teardown-capture
const command = process.argv[2];
if (command) {
  if (!(OPERATOR_COMMANDS as readonly string[]).includes(command)) {
    process.stderr.write(`unknown command '${command}'; use one of ${OPERATOR_COMMANDS.join(', ')}\n`);
    process.exitCode = 2;
  } else {
    void runOperatorCommand(command as OperatorCommand).then((code) => (process.exitCode = code));
  }
} else if (process.env.MIGRATOR_MODE === 'backfill') {
  void runBackfillJob().then((code) => (process.exitCode = code));
} else {
  runService({ name: 'kafka-migrator', stores: ['postgres', 'kafka'], config: kafkaMigratorConfigSchema, imports: [KafkaMigratorModule] });
}
