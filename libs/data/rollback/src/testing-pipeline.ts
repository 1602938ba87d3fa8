import { randomBytes, randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, deadLetterTopicsOf } from '@mch/contracts';
import { CheckpointStore } from '@mch/data-checkpoints';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS, type ConsistencyReport } from '@mch/data-consistency';
import {
  ClickHouseRowSink,
  OPPORTUNITY_EVENTS,
  analyticsRowDecoder,
  detectAnalyticsCapabilities,
  ensureAnalyticsTables,
  type AnalyticsCapabilities,
  type AnalyticsTable,
} from '@mch/data-clickhouse-analytics';
import { ConsumerLoop, ProcessingLog } from '@mch/data-consumer-loop';
import {
  KafkaPublisher,
  backfillCheckpointName,
  ensureEntityTopics,
  runBackfill,
  type ChangeRecord,
  type MigrationRunInfo,
  type PublishResult,
} from '@mch/data-kafka-migration';
import { createWeaviateIndexLoop, ensureIndex, hashingEmbedder, indexCollectionNames, type IndexCollectionNames } from '@mch/data-weaviate-index';
import { createIdempotentProducer, createTopicsAndWait } from '@mch/infra-kafka';
import type { Logger } from '@mch/util-logger';

/**
 * Spec support (never production code): one isolated migration of the monolith's opportunities on
 * the real stack, with the toolkit's own parts: the kafka-migrator's backfill runner (checkpoints in
 * data_migration_state) publishing to prefixed topics, and the two consumers as their services run
 * them (the shared ConsumerLoop with the ClickHouse row sink; the Weaviate index loop), each with its
 * own consumer group, ClickHouse database and Weaviate collections.
 */
export interface RehearsalPipeline {
  run: MigrationRunInfo;
  prefix: string;
  topic: string;
  documentTopic: string;
  groups: { clickhouse: string; weaviate: string };
  names: IndexCollectionNames;
  /** WEAVIATE_COLLECTION_PREFIX of `names`. */
  collectionPrefix: string;
  caps: AnalyticsCapabilities;
  checkpoint: string;
  /** Runs the backfill (resuming from its checkpoint); `pauseAfter` rows pauses it there; `publisher` replaces the migrator's. */
  backfill(options?: { pauseAfter?: number; publisher?: KafkaPublisher }): Promise<void>;
  startConsumers(): Promise<void>;
  stopConsumers(): Promise<void>;
  /** Waits until both groups have committed every partition up to its end offset. */
  caughtUp(timeoutMs?: number): Promise<void>;
  publisher(transform?: (changes: ChangeRecord[]) => ChangeRecord[], repeat?: number): KafkaPublisher;
  close(): Promise<void>;
}

export async function createRehearsalPipeline(deps: {
  pool: Pool;
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  weaviate: WeaviateClient;
  logger: Logger;
  label: string;
}): Promise<RehearsalPipeline> {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `it.${deps.label}.${suffix}.`;
  const run: MigrationRunInfo = { migrationId: randomUUID(), migrationRun: `it-${deps.label}-${suffix}`, correlationId: randomUUID(), topicPrefix: prefix };
  const topic = `${prefix}${ENTITY_TOPICS.opportunity.name}`;
  const documentTopic = `${prefix}${ENTITY_TOPICS.contract_document.name}`;
  const groups = { clickhouse: `it-${deps.label}-${suffix}-clickhouse`, weaviate: `it-${deps.label}-${suffix}-weaviate` };
  const collectionPrefix = `It${deps.label.replace(/[^A-Za-z0-9]/g, '')}${suffix}`;
  const names = indexCollectionNames(collectionPrefix);
  const admin: Admin = deps.kafka.admin();
  await admin.connect();
  await ensureEntityTopics(admin, ['opportunity', 'contract_document'], prefix);
  await createTopicsAndWait(admin, {
    topics: [...deadLetterTopicsOf('opportunity', prefix), ...deadLetterTopicsOf('contract_document', prefix)]
      .filter((t) => t.startsWith('dlq.'))
      .map((t) => ({ topic: t, numPartitions: 1 })),
  });
  const caps = await detectAnalyticsCapabilities(deps.clickhouse);
  await ensureAnalyticsTables(deps.clickhouse, caps);
  await ensureIndex(deps.weaviate, names, { kind: 'none', dimensions: 16 }, deps.logger);
  const producer: Producer = createIdempotentProducer(deps.kafka);
  await producer.connect();
  // Pauses the backfill deterministically: the runner reads its status before every chunk.
  let pauseRequested = false;
  class PausingStore extends CheckpointStore {
    override async get(name: string, db?: Parameters<CheckpointStore['get']>[1]) {
      const state = await super.get(name, db);
      if (!pauseRequested || state === null || db !== undefined) return state;
      pauseRequested = false;
      await this.pause(name);
      return { ...state, status: 'paused' as const };
    }
  }
  const checkpoints = new PausingStore(deps.pool);
  const shard = { index: 0, count: 1 };
  const checkpoint = backfillCheckpointName(run, 'opportunity', shard);

  const publisher = (transform?: (changes: ChangeRecord[]) => ChangeRecord[], repeat = 1): KafkaPublisher => {
    class Publisher extends KafkaPublisher {
      override async publish(changes: ChangeRecord[], info: MigrationRunInfo): Promise<PublishResult> {
        const sent = transform ? transform(changes) : changes;
        let result = await super.publish(sent, info);
        for (let i = 1; i < repeat; i++) result = await super.publish(sent, info);
        return result;
      }
    }
    return new Publisher(producer, deps.logger, new ProcessingLog(deps.pool, 'kafka-migrator'), { serviceName: 'kafka-migrator', maxMessageBytes: 1_000_000 });
  };

  let loops: { stop(): Promise<void> }[] = [];
  const tableOfTopic = new Map<string, AnalyticsTable>([[topic, OPPORTUNITY_EVENTS]]);

  const endOffsetsReached = async (groupId: string): Promise<boolean> => {
    for (const t of [topic, documentTopic]) {
      const ends = await admin.fetchTopicOffsets(t);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [t] });
      for (const end of ends) {
        if (end.high === '0') continue;
        const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        if (at !== end.high) return false;
      }
    }
    return true;
  };

  return {
    run,
    prefix,
    topic,
    documentTopic,
    groups,
    names,
    collectionPrefix,
    caps,
    checkpoint,
    publisher,
    async backfill(options = {}) {
      await runBackfill(
        { pool: deps.pool, publisher: options.publisher ?? publisher(), checkpoints, logger: deps.logger },
        {
          entity: 'opportunity',
          run,
          shard,
          batchSize: 50,
          captureMode: 'logical',
          owner: `it-${suffix}`,
          leaseTtlMs: 30_000,
          maxRowsPerSecond: 0,
          slowAckMs: 60_000,
          maxRetainedWalBytes: Number.MAX_SAFE_INTEGER,
          onProgress: (progress) => {
            if (options.pauseAfter !== undefined && progress.processed >= options.pauseAfter) pauseRequested = true;
          },
        },
      );
    },
    async startConsumers() {
      const chLoop = new ConsumerLoop(deps.kafka, producer, analyticsRowDecoder(tableOfTopic, caps), new ClickHouseRowSink(deps.clickhouse, caps), deps.logger, new ProcessingLog(deps.pool, 'clickhouse-populator'), {
        groupId: groups.clickhouse,
        topics: [topic],
        fromBeginning: true,
        maxBatchRecords: 500,
        maxBatchWaitMs: 200,
        maxWriteAttempts: 3,
        deadLetterTopicFor: (t) => `dlq.${t}`,
        serviceName: 'clickhouse-populator',
        sessionTimeoutMs: 10_000,
      });
      const index = createWeaviateIndexLoop(
        { kafka: deps.kafka, producer, client: deps.weaviate, processingLog: new ProcessingLog(deps.pool, 'weaviate-indexer'), logger: deps.logger },
        {
          topics: { opportunity: topic, contract_document: documentTopic },
          groupId: groups.weaviate,
          fromBeginning: true,
          maxBatchRecords: 500,
          maxBatchWaitMs: 200,
          maxWriteAttempts: 3,
          serviceName: 'weaviate-indexer',
          sink: { names, embedder: hashingEmbedder(16), embeddingsVersion: 1, batchSize: 200, concurrency: 2, maxObjectAttempts: 3, retryBaseDelayMs: 100 },
        },
      );
      const failed = (error: unknown) => deps.logger.error('rehearsal consumer stopped', { error });
      await chLoop.start(failed);
      await index.loop.start(failed);
      loops = [chLoop, index.loop];
    },
    async stopConsumers() {
      await Promise.all(loops.map((l) => l.stop()));
      loops = [];
    },
    async caughtUp(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!((await endOffsetsReached(groups.clickhouse)) && (await endOffsetsReached(groups.weaviate)))) {
        if (Date.now() > deadline) throw new Error(`consumers not caught up after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async close() {
      await Promise.allSettled(loops.map((l) => l.stop()));
      await producer.disconnect().catch(() => undefined);
      const topics = (await admin.listTopics()).filter((t) => t.includes(prefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.deleteGroups([groups.clickhouse, groups.weaviate]).catch(() => undefined);
      await admin.disconnect();
      await Promise.allSettled([names.opportunity, names.contractDocument, names.tombstone].map((n) => deps.weaviate.collections.delete(n)));
    },
  };
}

/** The checker over the pipeline's opportunities in Kafka, ClickHouse and Weaviate, with no discrepancy allowed. */
export async function checkPipeline(
  pipeline: RehearsalPipeline,
  deps: { pool: Pool; kafka: Kafka; clickhouse: ClickHouseClient; weaviate: WeaviateClient; logger: Logger },
): Promise<ConsistencyReport> {
  const checker = new ConsistencyChecker({
    pool: deps.pool,
    kafka: deps.kafka,
    clickhouse: deps.clickhouse,
    weaviate: { client: deps.weaviate, names: pipeline.names },
  });
  return checker.run({
    ...DEFAULT_CHECK_OPTIONS,
    entities: ['opportunity'],
    targets: ['kafka', 'clickhouse', 'weaviate'],
    topicFor: () => pipeline.topic,
    deadLetterTopicsFor: () => deadLetterTopicsOf('opportunity', pipeline.prefix),
    migrationId: pipeline.run.migrationId,
    watermark: new Date(),
    thresholds: { maxDiscrepancies: 0, maxDiscrepancyRate: 0 },
    kafkaTimeoutMs: 60_000,
    eventStore: null,
    logger: deps.logger,
  });
}
