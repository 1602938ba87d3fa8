import { randomBytes, randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import {
  ENTITY_SOURCES,
  buildMessage,
  readChunk,
  shardRange,
  type MigrationRunInfo,
  type OutgoingMessage,
} from '@mch/data-kafka-migration';
import {
  ClickHouseAnalyticsSink,
  analyticsTableFor,
  decodeEntityEnvelope,
  detectAnalyticsCapabilities,
  ensureAnalyticsTables,
  type AnalyticsCapabilities,
  type AnalyticsTable,
} from '@mch/data-clickhouse-analytics';
import {
  createClickHouseTestDatabase,
  type ClickHouseTestDatabase,
} from '@mch/data-clickhouse-analytics/testing';
import {
  VECTOR_NAME,
  WeaviateIndexSink,
  ensureIndex,
  hashingEmbedder,
  indexCollectionNames,
  indexEventDecoder,
  opportunityProperties,
  toWeaviateProperties,
  vectorInput,
  type IndexCollectionNames,
  type IndexEvent,
  type IndexedEntity,
} from '@mch/data-weaviate-index';
import {
  ENTITY_TOPICS,
  formatSourcePosition,
  type EventEnvelope,
  type MigratedEntity,
  type OpportunityData,
} from '@mch/contracts';
import { createLogger } from '@mch/util-logger';
import type { ConsistencyStores } from '../check/consistency-check';
import { createIdempotentProducer, createTopicsAndWait } from '@mch/infra-kafka';

/**
 * Test and benchmark support: migrates the entities of a PostgreSQL database into a Kafka topic,
 * ClickHouse analytics tables and a Weaviate index of their own, through the toolkit's own code
 * (the kafka-migrator's chunk reader and envelope builder, the ClickHouse sink, the Weaviate index
 * sink), chunk by chunk so a million rows never sit in memory at once.
 */
export interface MigratedStores {
  run: MigrationRunInfo;
  label: string;
  /** Entity topics are this prefix + the standard topic name (CONSISTENCY_TOPIC_PREFIX). */
  topicPrefix: string;
  /** The collections' prefix (CONSISTENCY_WEAVIATE_PREFIX). */
  collectionPrefix: string;
  topics: Partial<Record<MigratedEntity, string>>;
  names: IndexCollectionNames;
  clickhouse: ClickHouseTestDatabase;
  caps: AnalyticsCapabilities;
  stores: ConsistencyStores;
  topicFor(entity: MigratedEntity): string;
  /** Seconds spent writing to each store so far. */
  timings: Record<'kafka' | 'clickhouse' | 'weaviate', number>;
  /** Publishes messages to the entity topics and writes them to ClickHouse and Weaviate, as the consumers would. */
  deliver(messages: OutgoingMessage[]): Promise<void>;
  /** Publishes messages to a topic only (no consumer sees them). */
  produce(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** A new topic, deleted by close(). */
  createTopic(suffix: string, partitions: number): Promise<string>;
  close(): Promise<void>;
}

const WEAVIATE_ENTITIES: readonly MigratedEntity[] = ['opportunity', 'contract_document'];
const quiet = createLogger({ service: 'consistency-test-stores', level: 'error', sink: () => undefined });

export interface MigrateOptions {
  entities: readonly MigratedEntity[];
  chunkRows: number;
  vectorDimensions: number;
  migrationId?: string;
  /**
   * `sink` writes through the indexer's WeaviateIndexSink (version checks, requirement merging);
   * `direct` writes the indexer's mapped properties and vectors with plain batch inserts, for
   * loading a million objects in minutes (opportunities only, no documents).
   */
  weaviateWrites?: 'sink' | 'direct';
  /** `direct` only: false stores the objects without vectors (the check never reads vectors). */
  weaviateVectors?: boolean;
  onProgress?: (entity: MigratedEntity, rows: number) => void;
}

/** The position an update made now is at: the current WAL insert position. */
export async function currentPosition(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ p: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS p`,
  );
  return formatSourcePosition('lsn', BigInt(rows[0].p));
}

export async function migrateIntoStores(
  pool: Pool,
  kafka: Kafka,
  weaviate: WeaviateClient,
  label: string,
  options: MigrateOptions,
): Promise<MigratedStores> {
  const suffix = randomBytes(4).toString('hex');
  const run: MigrationRunInfo = {
    migrationId: options.migrationId ?? randomUUID(),
    migrationRun: `it-${label}-${suffix}`,
    correlationId: randomUUID(),
  };
  const clickhouse = await createClickHouseTestDatabase(`consistency_${label}`);
  const caps = await detectAnalyticsCapabilities(clickhouse.client);
  await ensureAnalyticsTables(clickhouse.client, caps);
  const collectionPrefix = `It${label.replace(/[^A-Za-z0-9]/g, '')}${suffix}`;
  const names = indexCollectionNames(collectionPrefix);
  const topicPrefix = `it.consistency.${label}.${suffix}.`;
  await ensureIndex(weaviate, names, { kind: 'none', dimensions: options.vectorDimensions }, quiet);
  const admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  const createTopic = async (name: string, partitions: number) => {
    const topic = `${topicPrefix}${name}`;
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: partitions }] });
    created.push(topic);
    return topic;
  };
  const topics: Partial<Record<MigratedEntity, string>> = {};
  for (const entity of options.entities) topics[entity] = await createTopic(ENTITY_TOPICS[entity].name, 4);
  const entityOf = new Map(
    Object.entries(topics).map(([entity, topic]) => [topic as string, entity as MigratedEntity]),
  );
  const producer = createIdempotentProducer(kafka);
  await producer.connect();

  const tableOfTopic = new Map<string, AnalyticsTable>();
  for (const [topic, entity] of entityOf) {
    const table = analyticsTableFor(entity);
    if (table) tableOfTopic.set(topic, table);
  }
  const chSink = new ClickHouseAnalyticsSink(clickhouse.client, caps, tableOfTopic);
  const indexTopics: Record<IndexedEntity, string> = {
    opportunity: 'index.opportunity',
    contract_document: 'index.contract_document',
  };
  const decodeIndexEvent = indexEventDecoder(indexTopics);
  const wvSink = new WeaviateIndexSink(
    weaviate,
    {
      names,
      embedder: hashingEmbedder(options.vectorDimensions),
      embeddingsVersion: 1,
      batchSize: 500,
      concurrency: 2,
      maxObjectAttempts: 3,
      retryBaseDelayMs: 100,
    },
    quiet,
  );

  const embedder = hashingEmbedder(options.vectorDimensions);
  const writeDirect = async (envelopes: EventEnvelope[]) => {
    const collection = weaviate.collections.use(names.opportunity);
    const batches: EventEnvelope[][] = [];
    for (let i = 0; i < envelopes.length; i += 1_000)
      batches.push(envelopes.slice(i, i + 1_000).filter((e) => e.data !== null));
    // Two requests in flight keep Weaviate busy while the client prepares the next batch.
    let next = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (next < batches.length) {
          const group = batches[next++];
          const properties = group.map((e) =>
            opportunityProperties(e.data as unknown as OpportunityData, [], {
              position: String(e.metadata.sourcePosition),
              embeddingsVersion: 1,
              lineage: {
                eventId: e.eventId,
                correlationId: e.metadata.correlationId,
                causationId: e.metadata.causationId ?? null,
                migrationRun: e.metadata.migrationRun ?? null,
                migrationId: e.metadata.migrationId ?? null,
                timestamp: e.timestamp,
              },
            }),
          );
          const vectors = await embedder.embed(properties.map((p) => vectorInput(p)));
          const result = await collection.data.insertMany(
            group.map((e, j) => ({
              id: e.aggregateId,
              properties: toWeaviateProperties(properties[j]),
              ...(options.weaviateVectors === false ? {} : { vectors: { [VECTOR_NAME]: vectors[j] } }),
            })),
          );
          const errors = Object.values(result.errors);
          if (errors.length > 0)
            throw new Error(`Weaviate refused ${errors.length} objects: ${errors[0].message}`);
        }
      }),
    );
  };

  const produce = async (topic: string, messages: OutgoingMessage[]) => {
    for (let i = 0; i < messages.length; i += 2_000) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages
          .slice(i, i + 2_000)
          .map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
    }
  };

  const timings = { kafka: 0, clickhouse: 0, weaviate: 0 };
  const timed = async <T>(store: keyof typeof timings, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[store] += (performance.now() - started) / 1000;
    }
  };

  const toClickHouse = async (entity: MigratedEntity, topic: string, list: OutgoingMessage[]) => {
    if (!analyticsTableFor(entity)) return;
    const records = list.map((m, i) => ({
      topic,
      partition: 0,
      offset: String(i),
      key: m.key,
      value: decodeEntityEnvelope(entity, m.key, m.value),
      headers: m.headers,
    }));
    const result = await timed('clickhouse', () => chSink.write(records));
    if (result.rejected.length > 0) {
      throw new Error(
        `ClickHouse rejected ${result.rejected.length} rows: ${result.rejected[0].error.message}`,
      );
    }
  };

  const toWeaviate = async (entity: MigratedEntity, list: OutgoingMessage[]) => {
    if (entity === 'opportunity' && options.weaviateWrites === 'direct') {
      await timed('weaviate', () =>
        writeDirect(list.map((m) => decodeEntityEnvelope(entity, m.key, m.value))),
      );
      return;
    }
    if (!WEAVIATE_ENTITIES.includes(entity)) return;
    const indexTopic = indexTopics[entity as IndexedEntity];
    const indexRecords = list.map((m, i) => {
      const message = {
        key: Buffer.from(m.key),
        value: Buffer.from(m.value),
        headers: {},
        timestamp: String(Date.now()),
        attributes: 0,
        offset: String(i),
      };
      return {
        topic: indexTopic,
        partition: 0,
        offset: String(i),
        key: m.key,
        value: decodeIndexEvent(message, indexTopic).value as IndexEvent,
        headers: m.headers,
      };
    });
    const result = await timed('weaviate', () => wvSink.write(indexRecords));
    if (result.rejected.length > 0) {
      throw new Error(
        `Weaviate rejected ${result.rejected.length} objects: ${result.rejected[0].error.message}`,
      );
    }
  };

  // The three stores are independent, as their consumers are: written side by side.
  const deliver = async (messages: OutgoingMessage[]) => {
    const byEntity = new Map<MigratedEntity, OutgoingMessage[]>();
    for (const m of messages) {
      const entity = ENTITY_OF_STANDARD_TOPIC.get(m.topic);
      if (!entity) throw new Error(`no entity for topic ${m.topic}`);
      byEntity.set(entity, [...(byEntity.get(entity) ?? []), m]);
    }
    for (const [entity, list] of byEntity) {
      const topic = topics[entity];
      if (!topic) throw new Error(`${entity} is not migrated in this fixture`);
      await Promise.all([
        timed('kafka', () => produce(topic, list)),
        toClickHouse(entity, topic, list),
        toWeaviate(entity, list),
      ]);
    }
  };

  // Documents before opportunities, as the index merges requirements from stored documents.
  const order = [...options.entities].sort((a, b) =>
    a === 'contract_document' ? -1 : b === 'contract_document' ? 1 : 0,
  );
  for (const entity of order) {
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const chunk = await readChunk(
        pool,
        ENTITY_SOURCES[entity],
        shardRange(0, 1),
        after,
        options.chunkRows,
        'logical',
      );
      if (chunk.rows.length === 0) break;
      await deliver(
        chunk.rows.map((row) =>
          buildMessage(
            { entity, operation: 'snapshot', key: String(row.id), row, position: chunk.position },
            run,
          ),
        ),
      );
      total += chunk.rows.length;
      options.onProgress?.(entity, total);
      after = String(chunk.rows[chunk.rows.length - 1].id);
    }
  }

  return {
    run,
    label,
    topicPrefix,
    collectionPrefix,
    timings,
    topics,
    names,
    clickhouse,
    caps,
    stores: { pool, kafka, clickhouse: clickhouse.client, weaviate: { client: weaviate, names } },
    topicFor: (entity) => {
      const topic = topics[entity];
      if (!topic) throw new Error(`${entity} is not migrated in this fixture`);
      return topic;
    },
    deliver,
    produce,
    createTopic,
    close: async () => {
      await producer.disconnect();
      // Independent clean-ups, side by side: on a loaded machine each can take a while.
      await Promise.allSettled([
        admin.deleteTopics({ topics: created }).finally(() => admin.disconnect()),
        ...[names.opportunity, names.contractDocument, names.tombstone].map((name) =>
          weaviate.collections.delete(name),
        ),
        clickhouse.drop(),
      ]);
    },
  };
}

/** buildMessage addresses the standard topics; the fixture redirects each to its own. */
const ENTITY_OF_STANDARD_TOPIC = new Map(
  Object.entries(ENTITY_TOPICS).map(([entity, spec]) => [spec.name, entity as MigratedEntity]),
);

/** The envelope inside a message, for tests that alter one. */
export const envelopeOf = (message: OutgoingMessage): EventEnvelope =>
  JSON.parse(message.value) as EventEnvelope;
