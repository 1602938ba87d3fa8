import 'reflect-metadata';
import { runWhenMigrated } from '@mch/data-schema-migrations';
import { runConsistencyCli } from '@mch/feature-consistency-checker';

// Job mode (one check, exit code for Kubernetes / Argo Rollouts analysis), event-order, lineage,
// history; main.ts dispatches the same commands (the image's entry point).
runWhenMigrated('consistency-checker', () => runConsistencyCli(process.argv.slice(2)));
