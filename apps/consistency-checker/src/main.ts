import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { registerMigrateCommand, runWhenMigrated } from '@mch/data-schema-migrations';
import {
  ConsistencyCheckerModule,
  ROLLBACK_USAGE,
  consistencyCheckerConfigSchema,
  registerConsistencyCommands,
  runConsistencyCli,
  runRollbackCli,
} from '@mch/feature-consistency-checker';
import { createCliProgram, defaultAction, passThroughCommand, runCliProgram } from '@mch/util-cli';
import { CHECKER_PROGRAM } from './program';

// Compares all four stores. Without a command: the service (checks on a schedule, report over
// HTTP, gauges on /metrics); `main.js --help` lists the Job mode (check), the other one-shot
// commands, rollback (docs/rollback.md) and migrate. cli.ts runs the same one-shot commands.
const program = createCliProgram(CHECKER_PROGRAM);
defaultAction(program, () =>
  runService({
    name: 'consistency-checker',
    stores: ['postgres', 'kafka', 'clickhouse', 'weaviate'],
    config: consistencyCheckerConfigSchema,
    imports: [ConsistencyCheckerModule],
  }),
);
registerConsistencyCommands(program, (argv) => runWhenMigrated('consistency-checker', () => runConsistencyCli(argv)));
passThroughCommand(program, 'rollback', 'plan|apply a rollback to a point in time (its own flags: rollback --help)', ROLLBACK_USAGE, (args) =>
  runWhenMigrated('consistency-checker', () => runRollbackCli(args)),
);
registerMigrateCommand(program);
void runCliProgram(program);
