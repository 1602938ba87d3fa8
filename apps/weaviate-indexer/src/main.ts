import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';

// Consumes Kafka into Weaviate; checkpoints and its processing log live in PostgreSQL.
runService({ name: 'weaviate-indexer', stores: ['postgres', 'kafka', 'weaviate'] });
