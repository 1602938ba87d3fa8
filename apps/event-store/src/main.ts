import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { EVENT_STORE_COMMANDS_TOPIC } from '@mch/contracts';
import { runMigrateCli } from '@mch/data-schema-migrations';
import {
  EVENT_STORE_COMMANDS_DLQ,
  EventStoreApiModule,
  eventStoreApiConfigSchema,
} from '@mch/feature-event-store-api';

// Appends to the event store in PostgreSQL and relays its outbox to Kafka:
//   main.js                         the service (HTTP on HTTP_PORT)
//   main.js migrate up|status|down  the schema migrations (the k8s schema-migrate Job runs `migrate up`)
const [command, ...args] = process.argv.slice(2);
if (command === 'migrate') {
  runMigrateCli(args);
} else if (command !== undefined) {
  process.stderr.write(
    `unknown command '${command}'; use no argument (the service) or migrate up|status|down\n`,
  );
  process.exitCode = 2;
} else {
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
}
