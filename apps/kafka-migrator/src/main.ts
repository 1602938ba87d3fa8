import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';

// Reads the monolith in PostgreSQL and publishes its rows and changes to Kafka.
runService({ name: 'kafka-migrator', stores: ['postgres', 'kafka'] });
