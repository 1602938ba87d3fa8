import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { EventStoreApiModule, eventStoreApiConfigSchema } from '@mch/feature-event-store-api';

// Appends to the event store in PostgreSQL and relays its outbox to Kafka.
runService({
  name: 'event-store',
  stores: ['postgres', 'kafka'],
  config: eventStoreApiConfigSchema,
  imports: [EventStoreApiModule],
});
