import 'reflect-metadata';
import { runWhenMigrated } from '@mch/data-schema-migrations';
import { runPopulatorCli } from '@mch/feature-clickhouse-populator';

// Job mode (historical load from PostgreSQL) and snapshot/restore of the analytics tables; main.ts
// dispatches the same commands (the image's entry point).
const argv = process.argv.slice(2);
if (argv[0] === 'historical-load') runWhenMigrated('clickhouse-populator', () => runPopulatorCli(argv));
else void runPopulatorCli(argv);
