import { Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@mch/infra-postgres';
import { EventStore } from '@mch/data-event-store';
import { SERVICE_CONFIG, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import type { EventStoreApiConfig } from './event-store-api.config';
import { EVENT_STORE, EventStoreController } from './event-store.controller';
import { OutboxRelayRunner } from './outbox-relay.runner';
import { EventStoreCommandsController } from './event-store-commands.controller';
import { EventStoreMetrics } from './event-store.metrics';

@Module({
  controllers: [EventStoreController, EventStoreCommandsController],
  providers: [
    {
      provide: EVENT_STORE,
      inject: [PG_POOL, SERVICE_CONFIG],
      useFactory: (pool: Pool, config: LoadedServiceConfig) => {
        const app = config.app as EventStoreApiConfig;
        return new EventStore(pool, {
          snapshotEvery: app.SNAPSHOT_EVERY,
          topicFor: () => app.EVENT_STORE_TOPIC,
          entityProjection:
            app.EVENT_STORE_ENTITY_EVENTS.length > 0
              ? { entities: app.EVENT_STORE_ENTITY_EVENTS, topicPrefix: app.EVENT_STORE_ENTITY_TOPIC_PREFIX }
              : null,
        });
      },
    },
    OutboxRelayRunner,
    EventStoreMetrics,
  ],
  exports: [EVENT_STORE],
})
export class EventStoreApiModule {}
