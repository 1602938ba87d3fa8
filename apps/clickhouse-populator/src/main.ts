import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { ClickHousePopulatorModule, clickhousePopulatorConfigSchema } from '@mch/feature-clickhouse-populator';

// Consumes Kafka into ClickHouse; checkpoints and its processing log live in PostgreSQL.
runService({
  name: 'clickhouse-populator',
  stores: ['postgres', 'kafka', 'clickhouse'],
  config: clickhousePopulatorConfigSchema,
  imports: [ClickHousePopulatorModule],
});
