import type { CliProgramOptions } from '@mch/util-cli';

/** The program's name, description and exit codes, shared by main.ts (the image's entry) and cli.ts. */
export const POPULATOR_PROGRAM: CliProgramOptions = {
  name: 'clickhouse-populator',
  description: 'Kafka -> ClickHouse: the streaming service, the historical load Job, snapshots of the analytics tables',
  exitCodes: { 0: 'done', 1: 'failed', 2: 'bad arguments or configuration' },
};
