import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';

// Appends to the event store in PostgreSQL and relays its outbox to Kafka.
runService({ name: 'event-store', stores: ['postgres', 'kafka'] });
