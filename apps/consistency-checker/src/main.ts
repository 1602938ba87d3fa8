import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { runMigrateCli, runWhenMigrated } from '@mch/data-schema-migrations';
import {
  ConsistencyCheckerModule,
  consistencyCheckerConfigSchema,
  runConsistencyCli,
  runRollbackCli,
} from '@mch/feature-consistency-checker';

// Compares all four stores:
//   main.js                        the service: checks on a schedule, report over HTTP, gauges on /metrics
//   main.js check [...]            Job mode: one check, exit 0 passed / 1 failed / 2 usage / 3 unreadable
//   main.js event-order | lineage | history ...   the other one-shot commands
//   main.js migrate up|status|down   the schema migrations
//   main.js rollback plan|apply --to ISO --groups g1,g2   reset consumer groups to a point (docs/rollback.md)
// (cli.ts beside this file runs the same one-shot commands.)
const [command, ...args] = process.argv.slice(2);
if (command === 'migrate') {
  runMigrateCli(args);
} else if (command === 'rollback') {
  runWhenMigrated('consistency-checker', () => runRollbackCli(args));
} else if (command !== undefined) {
  runWhenMigrated('consistency-checker', () => runConsistencyCli([command, ...args]));
} else {
  runService({
    name: 'consistency-checker',
    stores: ['postgres', 'kafka', 'clickhouse', 'weaviate'],
    config: consistencyCheckerConfigSchema,
    imports: [ConsistencyCheckerModule],
  });
}
