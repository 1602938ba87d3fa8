import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { EVENT_STORE_COMMANDS_TOPIC } from '@mch/contracts';
import { EVENT_STORE_COMMANDS_DLQ, EventStoreApiModule, eventStoreApiConfigSchema } from '@mch/feature-event-store-api';

// Appends to the event store in PostgreSQL and relays its outbox to Kafka.
runService({
  name: 'event-store',
  stores: ['postgres', 'kafka'],
  config: eventStoreApiConfigSchema,
  imports: [EventStoreApiModule],
  kafkaConsumer: {
    groupId: 'event-store',
    topics: [
      { name: EVENT_STORE_COMMANDS_TOPIC.name, partitions: EVENT_STORE_COMMANDS_TOPIC.partitions },
      { name: EVENT_STORE_COMMANDS_DLQ, partitions: 1 },
    ],
  },
});
