import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { registerMigrateCommand } from '@mch/data-schema-migrations';
import {
  ClickHousePopulatorModule,
  clickhousePopulatorConfigSchema,
  exitOnPopulatorFailure,
  registerPopulatorCommands,
} from '@mch/feature-clickhouse-populator';
import { createCliProgram, defaultAction, runCliProgram } from '@mch/util-cli';
import { POPULATOR_PROGRAM } from './program';

// Consumes Kafka into ClickHouse; checkpoints and its processing log live in PostgreSQL. Without a
// command: the streaming service (HTTP on HTTP_PORT); `main.js --help` lists the Job mode
// (historical-load), the ClickHouse-only commands and `migrate`. cli.ts runs the same commands.
const program = createCliProgram(POPULATOR_PROGRAM);
defaultAction(program, () =>
  runService({
    name: 'clickhouse-populator',
    stores: ['postgres', 'kafka', 'clickhouse'],
    config: clickhousePopulatorConfigSchema,
    imports: [ClickHousePopulatorModule],
    afterListen: exitOnPopulatorFailure,
  }),
);
registerPopulatorCommands(program);
registerMigrateCommand(program);
void runCliProgram(program);
