import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { registerMigrateCommand, runWhenMigrated } from '@mch/data-schema-migrations';
import {
  ConsistencyCheckerModule,
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
// rollback parses its verbs and flags itself (on util-cli too) and prints its own per-verb --help.
// Its help needs no database: only the commands themselves pass the schema gate.
passThroughCommand(program, 'rollback', 'mark|points|plan|apply: return the stores to a restore point or a time (rollback --help)', null, (args) =>
  args.includes('--help') || args.includes('-h')
    ? runRollbackCli(args)
    : runWhenMigrated('consistency-checker', () => runRollbackCli(args)),
);
registerMigrateCommand(program);
void runCliProgram(program);
