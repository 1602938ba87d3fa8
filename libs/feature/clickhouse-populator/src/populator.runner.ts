import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { CLICKHOUSE_CLIENT } from '@mch/infra-clickhouse';
import { KAFKA_CLIENT, KafkaAdminHandle, createIdempotentProducer, createTopicsAndWait } from '@mch/infra-kafka';
import { PG_POOL } from '@mch/infra-postgres';
import { ConsumerLoop, ProcessingLog, consumerLoopObserver, watchConsumerLag, type BatchSink } from '@mch/data-consumer-loop';
import {
  ClickHouseRowSink,
  analyticsRowDecoder,
  detectAnalyticsCapabilities,
  ensureAnalyticsTables,
  type AnalyticsRowRecord,
} from '@mch/data-clickhouse-analytics';
import { SERVICE_CONFIG, SERVICE_LOGGER, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import type { Logger } from '@mch/util-logger';
import { ServiceMetrics } from '@mch/util-metrics';
import type { ClickHousePopulatorConfig } from './clickhouse-populator.config';
import { deadLetterTopicOf, populatorTopics } from './populator-topics';

export const POPULATOR_SERVICE_NAME = 'clickhouse-populator';

/**
 * Runs the shared consumer loop from the entity topics into the analytics tables for as long as
 * the service lives. A batch ClickHouse keeps refusing stops the loop and the process (non-zero),
 * so Kubernetes restarts it and it resumes from the last committed offsets.
 */
@Injectable()
export class PopulatorRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private producer?: Producer;
  private loop?: ConsumerLoop<AnalyticsRowRecord>;
  private readonly config: ClickHousePopulatorConfig;
  private reportFailure!: (error: unknown) => void;
  /** Resolves with the error once the runner has failed: a start that could not finish, or a batch never written. */
  readonly failed = new Promise<unknown>((resolve) => (this.reportFailure = resolve));

  constructor(
    @Inject(CLICKHOUSE_CLIENT) private readonly clickhouse: ClickHouseClient,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly admin: KafkaAdminHandle,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) serviceConfig: LoadedServiceConfig,
    private readonly metrics: ServiceMetrics,
  ) {
    this.config = serviceConfig.app as ClickHousePopulatorConfig;
  }

  async onApplicationBootstrap(): Promise<void> {
    // In the background: the service comes up (and reports unready) while a store is down.
    void this.start().catch((error: unknown) => this.fail('clickhouse populator could not start', error));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop?.stop();
    await this.producer?.disconnect();
  }

  private async start(): Promise<void> {
    const caps = await detectAnalyticsCapabilities(this.clickhouse);
    const tables = await ensureAnalyticsTables(this.clickhouse, caps);
    const topics = populatorTopics(this.config.CLICKHOUSE_POPULATOR_ENTITIES, this.config.CLICKHOUSE_POPULATOR_TOPIC_PREFIX);
    const admin = await this.admin.get();
    // Only the missing ones: asking for existing topics makes kafkajs log an error per restart.
    const existing = new Set(await admin.listTopics());
    const missing = topics.topics
      .flatMap((t) => [
        { topic: t.topic, numPartitions: t.partitions },
        { topic: t.deadLetter, numPartitions: 1 },
      ])
      .filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await createTopicsAndWait(admin, { topics: missing });
    this.producer = createIdempotentProducer(this.kafka);
    await this.producer.connect();
    const sink: BatchSink<AnalyticsRowRecord> = new ClickHouseRowSink(this.clickhouse, caps);
    this.loop = new ConsumerLoop(
      this.kafka,
      this.producer,
      analyticsRowDecoder(topics.tableOfTopic, caps),
      sink,
      this.logger.child({ component: 'consumer-loop' }),
      new ProcessingLog(this.pool, POPULATOR_SERVICE_NAME),
      {
        groupId: this.config.CLICKHOUSE_POPULATOR_GROUP_ID,
        topics: topics.topics.map((t) => t.topic),
        fromBeginning: this.config.CLICKHOUSE_POPULATOR_FROM_BEGINNING,
        maxBatchRecords: this.config.CLICKHOUSE_POPULATOR_BATCH_ROWS,
        maxBatchWaitMs: this.config.CLICKHOUSE_POPULATOR_BATCH_WAIT_MS,
        fetchMaxBytes: this.config.CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES,
        fetchMaxBytesPerPartition: this.config.CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES_PER_PARTITION,
        maxWriteAttempts: this.config.CLICKHOUSE_POPULATOR_MAX_WRITE_ATTEMPTS,
        deadLetterTopicFor: deadLetterTopicOf,
        serviceName: POPULATOR_SERVICE_NAME,
        logSucceeded: this.config.CLICKHOUSE_POPULATOR_LOG_SUCCEEDED ? { action: 'load' } : undefined,
        observer: consumerLoopObserver(this.metrics),
      },
    );
    const consumed = topics.topics.map((t) => t.topic);
    watchConsumerLag(this.metrics, () => this.admin.get(), this.config.CLICKHOUSE_POPULATOR_GROUP_ID, () => consumed);
    await this.loop.start((error) => this.fail('clickhouse populator stopped: a batch could not be written', error));
    this.logger.info('clickhouse populator consuming', {
      server: caps.version,
      tablesCreated: tables.created,
      tablesUpgraded: tables.upgraded,
      topics: topics.topics.map((t) => t.topic),
      groupId: this.config.CLICKHOUSE_POPULATOR_GROUP_ID,
    });
  }

  private fail(message: string, error: unknown): void {
    this.logger.error(message, { error });
    // The entry point closes the app and exits 1 (exitOnPopulatorFailure). Raising SIGTERM here, as
    // before, made Nest re-raise it after its hooks, so the pod ended by a signal, not with code 1.
    this.reportFailure(error);
  }
}
