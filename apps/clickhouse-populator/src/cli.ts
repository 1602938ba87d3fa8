import 'reflect-metadata';
import { runPopulatorCli } from '@mch/feature-clickhouse-populator';

// Job mode (historical load from PostgreSQL) and snapshot/restore of the analytics tables.
void runPopulatorCli(process.argv.slice(2));
