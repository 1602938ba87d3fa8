import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { ENTITY_TOPICS } from '@mch/contracts';
import { PG_POOL } from '@mch/infra-postgres';
import { KAFKA_CLIENT, KafkaAdminHandle, createRecordProducer, createTopicsAndWait, type RecordProducer } from '@mch/infra-kafka';
import { OutboxRelay, DEFAULT_RELAY_OPTIONS } from '@mch/data-outbox';
import { SERVICE_CONFIG, SERVICE_LOGGER, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import type { Logger } from '@mch/util-logger';
import type { EventStoreApiConfig } from './event-store-api.config';
import { EventStoreMetrics } from './event-store.metrics';

/** Runs the outbox relay inside the service for as long as it lives; retention runs hourly. */
@Injectable()
export class OutboxRelayRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private producer?: RecordProducer;
  private relay?: OutboxRelay;
  private cleanup?: NodeJS.Timeout;
  private readonly config: EventStoreApiConfig;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly admin: KafkaAdminHandle,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) serviceConfig: LoadedServiceConfig,
    private readonly metrics: EventStoreMetrics,
  ) {
    this.config = serviceConfig.app as EventStoreApiConfig;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.OUTBOX_RELAY_ENABLED) return;
    // Started in the background: the service must come up (and report unready) while Kafka is down.
    void this.startRelay().catch((error) => this.logger.error('outbox relay could not start', { error }));
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.cleanup);
    await this.relay?.stop();
    await this.producer?.disconnect();
  }

  private async startRelay(): Promise<void> {
    const admin = await this.admin.get();
    await createTopicsAndWait(admin, {
      topics: [
        { topic: this.config.EVENT_STORE_TOPIC, numPartitions: this.config.EVENT_STORE_TOPIC_PARTITIONS },
        // The entity topics it relays states to, with the partition counts the migrator creates them with.
        ...this.config.EVENT_STORE_ENTITY_EVENTS.map((entity) => ({
          topic: `${this.config.EVENT_STORE_ENTITY_TOPIC_PREFIX}${ENTITY_TOPICS[entity].name}`,
          numPartitions: ENTITY_TOPICS[entity].partitions,
        })),
      ],
    });
    // KAFKA_PRODUCER_CLIENT picks the client, as for the migrator's publisher.
    this.producer = createRecordProducer(this.kafka);
    await this.producer.connect();
    this.relay = new OutboxRelay(this.pool, this.producer, this.logger.child({ component: 'outbox-relay' }), {
      ...DEFAULT_RELAY_OPTIONS,
      pollIntervalMs: this.config.OUTBOX_RELAY_POLL_MS,
      maxAttempts: this.config.OUTBOX_MAX_ATTEMPTS,
      retentionMs: this.config.OUTBOX_RETENTION_HOURS * 3600_000,
      onBatch: this.metrics.relayBatch,
    });
    this.relay.start();
    this.cleanup = setInterval(() => {
      this.relay?.cleanupPublished().catch((error) => this.logger.warn('outbox retention failed', { error }));
    }, 3600_000);
    this.cleanup.unref();
    this.logger.info('outbox relay started', {
      topic: this.config.EVENT_STORE_TOPIC,
      entity_events: this.config.EVENT_STORE_ENTITY_EVENTS,
    });
  }
}
