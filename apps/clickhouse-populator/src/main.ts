import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { runMigrateCli, runWhenMigrated } from '@mch/data-schema-migrations';
import {
  ClickHousePopulatorModule,
  clickhousePopulatorConfigSchema,
  runPopulatorCli,
} from '@mch/feature-clickhouse-populator';

// Consumes Kafka into ClickHouse; checkpoints and its processing log live in PostgreSQL:
//   main.js                       the streaming service (HTTP on HTTP_PORT)
//   main.js historical-load ...   Job mode: load PostgreSQL straight into ClickHouse, then exit
//   main.js create-tables | snapshot | restore | drop-snapshot ...   ClickHouse-only commands
//   main.js migrate up|status|down   the schema migrations
// (cli.ts beside this file runs the same commands.)
const [command, ...args] = process.argv.slice(2);
if (command === 'migrate') {
  runMigrateCli(args);
} else if (command === 'historical-load') {
  runWhenMigrated('clickhouse-populator', () => runPopulatorCli([command, ...args]));
} else if (command !== undefined) {
  void runPopulatorCli([command, ...args]);
} else {
  runService({
    name: 'clickhouse-populator',
    stores: ['postgres', 'kafka', 'clickhouse'],
    config: clickhousePopulatorConfigSchema,
    imports: [ClickHousePopulatorModule],
  });
}
