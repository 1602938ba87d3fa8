import 'reflect-metadata';
import { runConsistencyCli } from '@mch/feature-consistency-checker';

// Job mode (one check, exit code for Kubernetes / Argo Rollouts analysis), event-order, lineage, history.
void runConsistencyCli(process.argv.slice(2));
