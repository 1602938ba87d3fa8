import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';

// Compares all four stores.
runService({ name: 'consistency-checker', stores: ['postgres', 'kafka', 'clickhouse', 'weaviate'] });
