import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';

// Consumes Kafka into ClickHouse; checkpoints and its processing log live in PostgreSQL.
runService({ name: 'clickhouse-populator', stores: ['postgres', 'kafka', 'clickhouse'] });
