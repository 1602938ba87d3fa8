import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import { ProcessingLog, consumerLoopObserver, watchConsumerLag } from '@mch/data-consumer-loop';
import {
  createWeaviateIndexLoop,
  ensureIndex,
  indexDeadLetterTopic,
  recordEmbeddings,
  reembedStale,
  type RecordedEmbeddings,
  type ReembedStats,
  type WeaviateIndexLoop,
} from '@mch/data-weaviate-index';
import { KAFKA_CLIENT, KafkaAdminHandle, createIdempotentProducer, createTopicsAndWait } from '@mch/infra-kafka';
import { PG_POOL } from '@mch/infra-postgres';
import { WEAVIATE_CLIENT } from '@mch/infra-weaviate';
import { SERVICE_CONFIG, SERVICE_LOGGER, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import type { Logger } from '@mch/util-logger';
import { ServiceMetrics } from '@mch/util-metrics';
import { endOffsets, partitionsBehind } from './caught-up.watcher';
import { collectionNames, embeddingIdentity, loopOptions, reembedding, SERVICE_NAME, vectorizerSettings } from './index-settings';
import type { WeaviateIndexerConfig } from './weaviate-indexer.config';

const TOPIC_WAIT_MS = 5_000;
const PROGRESS_EVERY_MS = 30_000;

/**
 * Runs the indexing loop for as long as the service lives. In Job mode (MIGRATION_ID set) it
 * records the topics' end offsets at start and resolves `finished` once its group has committed
 * up to them; the entry point then shuts the app down with exit code 0. Any failure (a
 * collection that drifted from its definition, a batch that cannot be written) rejects
 * `finished`, and the entry point exits non-zero with nothing committed beyond the last good batch.
 */
@Injectable()
export class WeaviateIndexerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private rejectFinished!: (error: unknown) => void;
  private readonly config: WeaviateIndexerConfig;
  private producer?: Producer;
  private index?: WeaviateIndexLoop;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private embeddings?: RecordedEmbeddings;
  private reembedded?: ReembedStats;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly admin: KafkaAdminHandle,
    @Inject(WEAVIATE_CLIENT) private readonly client: WeaviateClient,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) serviceConfig: LoadedServiceConfig,
    private readonly metrics: ServiceMetrics,
  ) {
    this.config = serviceConfig.app as WeaviateIndexerConfig;
    this.finished = new Promise<void>((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    // Observed by the entry point; never an unhandled rejection if the app is closed first.
    this.finished.catch(() => undefined);
  }

  get stats() {
    return {
      loop: this.index?.loop.stats,
      sink: this.index?.sink.stats,
      embeddingsVersion: this.embeddings?.version,
      reembedded: this.reembedded,
    };
  }

  onApplicationBootstrap(): void {
    // In the background: the service comes up (and reports unready) while a store is down.
    void this.start().catch((error: unknown) => this.fail(error));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.timers.forEach((t) => clearInterval(t));
    await this.index?.loop.stop().catch((error: unknown) => this.logger.warn('stopping the consumer failed', { error }));
    await this.producer?.disconnect().catch(() => undefined);
  }

  private fail(error: unknown): void {
    if (this.stopping) return;
    this.logger.error('weaviate indexing stopped', { error });
    this.rejectFinished(error);
  }

  private async start(): Promise<void> {
    const names = collectionNames(this.config);
    const results = await ensureIndex(this.client, names, vectorizerSettings(this.config), this.logger);
    this.logger.info('weaviate collections ready', { collections: results });
    // Before consuming: the model is recorded (a change raises the embeddings version) and every
    // object still carrying an older version is re-embedded. Cheap when nothing is stale (one
    // count); a pass a crash interrupted is finished by the next start.
    const onInferenceRetry = (info: { attempt: number; delayMs: number; error: string }) =>
      this.logger.warn('inference service unavailable; retrying', { url: this.config.TRANSFORMERS_INFERENCE_URL, ...info });
    const identity = await embeddingIdentity(this.config, onInferenceRetry);
    this.embeddings = await recordEmbeddings(this.client, names.opportunity, identity, this.config.EMBEDDINGS_VERSION, this.logger);
    this.reembedded = await reembedStale(this.client.collections.use(names.opportunity), {
      ...reembedding(this.config, onInferenceRetry),
      version: this.embeddings.version,
      logger: this.logger.child({ component: 'reembed' }),
    });
    const options = loopOptions(this.config, this.embeddings.version, onInferenceRetry);
    const topics = [options.topics.opportunity, options.topics.contract_document];
    await this.awaitTopics(topics);
    const targets = this.config.MIGRATION_ID ? await endOffsets(await this.admin.get(), topics) : null;
    this.producer = createIdempotentProducer(this.kafka);
    await this.producer.connect();
    this.index = createWeaviateIndexLoop(
      {
        kafka: this.kafka,
        producer: this.producer,
        client: this.client,
        processingLog: new ProcessingLog(this.pool, SERVICE_NAME),
        logger: this.logger.child({ component: 'weaviate-indexer' }),
      },
      { ...options, observer: consumerLoopObserver(this.metrics) },
    );
    watchConsumerLag(this.metrics, () => this.admin.get(), options.groupId, () => topics);
    await this.index.loop.start((error) => this.fail(error));
    this.logger.info('weaviate indexing started', { groupId: options.groupId, topics, mode: targets ? 'job' : 'stream' });
    this.timers.push(setInterval(() => this.logger.info('weaviate indexing progress', this.stats), PROGRESS_EVERY_MS).unref());
    if (targets) this.watchJob(options.groupId, targets);
  }

  /** The topics belong to kafka-migrator; until it has created them there is nothing to consume. */
  private async awaitTopics(topics: string[]): Promise<void> {
    const admin = await this.admin.get();
    let existing = new Set(await admin.listTopics());
    for (;;) {
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length === 0) break;
      if (this.stopping) throw new Error('stopped while waiting for topics');
      this.logger.warn('waiting for topics to exist', { missing });
      await new Promise((resolve) => setTimeout(resolve, TOPIC_WAIT_MS));
      existing = new Set(await admin.listTopics());
    }
    const deadLetters = topics.map(indexDeadLetterTopic).filter((t) => !existing.has(t));
    if (deadLetters.length > 0) {
      await createTopicsAndWait(admin, { topics: deadLetters.map((topic) => ({ topic, numPartitions: 1 })) });
    }
  }

  private watchJob(groupId: string, targets: Awaited<ReturnType<typeof endOffsets>>): void {
    let checking = false;
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      void (async () => {
        const behind = await partitionsBehind(await this.admin.get(), groupId, targets);
        if (behind > 0) return;
        clearInterval(timer);
        this.logger.info('job complete: every partition committed up to its end offset at start', this.stats);
        this.resolveFinished();
      })()
        .catch((error: unknown) => this.logger.warn('could not check job progress', { error }))
        .finally(() => (checking = false));
    }, this.config.INDEXER_JOB_POLL_MS);
    this.timers.push(timer);
  }
}
