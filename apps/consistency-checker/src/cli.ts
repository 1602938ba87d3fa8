import 'reflect-metadata';
import { runWhenMigrated } from '@mch/data-schema-migrations';
import { registerConsistencyCommands, runConsistencyCli } from '@mch/feature-consistency-checker';
import { createCliProgram, runCliProgram } from '@mch/util-cli';
import { CHECKER_PROGRAM } from './program';

// Job mode (one check, exit code for Kubernetes / Argo Rollouts analysis), event-order, lineage,
// history; main.ts (the image's entry point) runs the same commands besides the service.
const program = createCliProgram({ ...CHECKER_PROGRAM, name: 'consistency-checker-cli' });
registerConsistencyCommands(program, (argv) => runWhenMigrated('consistency-checker', () => runConsistencyCli(argv)));
void runCliProgram(program);
