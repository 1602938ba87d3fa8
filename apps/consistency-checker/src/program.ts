import type { CliProgramOptions } from '@mch/util-cli';

/** The program's name, description and exit codes, shared by main.ts (the image's entry) and cli.ts. */
export const CHECKER_PROGRAM: CliProgramOptions = {
  name: 'consistency-checker',
  description: 'compares PostgreSQL with Kafka, ClickHouse and Weaviate; rolls back consumer groups',
  exitCodes: { 0: 'passed / done', 1: 'failed', 2: 'bad arguments or configuration', 3: 'a store could not be read' },
};
