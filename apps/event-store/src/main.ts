import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { EVENT_STORE_COMMANDS_TOPIC } from '@mch/contracts';
import { registerMigrateCommand } from '@mch/data-schema-migrations';
import {
  EVENT_STORE_COMMANDS_DLQ,
  EventStoreApiModule,
  eventStoreApiConfigSchema,
} from '@mch/feature-event-store-api';
import { createCliProgram, defaultAction, runCliProgram } from '@mch/util-cli';

// Appends to the event store in PostgreSQL and relays its outbox to Kafka. Without a command: the
// service (HTTP on HTTP_PORT); `migrate up|status|down` are the schema migrations (the k8s
// schema-migrate Job runs `migrate up`). `main.js --help` lists them.
const program = createCliProgram({
  name: 'event-store',
  description: 'the event store: appends over HTTP and Kafka, outbox relay to Kafka',
  exitCodes: { 0: 'done', 1: 'failed', 2: 'bad arguments or configuration' },
});
defaultAction(program, () =>
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
  }),
);
registerMigrateCommand(program);
void runCliProgram(program);
