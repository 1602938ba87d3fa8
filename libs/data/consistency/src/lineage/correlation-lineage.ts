import type { ClickHouseClient } from '@clickhouse/client';
import { Partitioners, type Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import { ANALYTICS_TABLES, quoteIdentifier } from '@mch/data-clickhouse-analytics';
import type { IndexCollectionNames } from '@mch/data-weaviate-index';
import { EventHeaders } from '@mch/contracts';
import { describeError, type StoreName } from '../stores/content-view';
import { scanTopic } from '../stores/topic.scanner';

/**
 * Everything one correlation id touched, store by store, each with its causation id: the chain
 * HTTP request -> event-store rows -> outbox rows -> Kafka messages -> ClickHouse rows and
 * Weaviate objects (docs/event-store.md, "Following one correlation id").
 */
export interface CorrelationLineageReport {
  correlationId: string;
  eventStore: {
    eventId: string;
    aggregateType: string;
    aggregateId: string;
    version: number;
    eventType: string;
    globalPosition: string;
    transactionId: string;
    causationId: string | null;
    createdAt: string;
  }[];
  outbox: {
    id: string;
    eventId: string | null;
    topic: string;
    key: string | null;
    status: string;
    attempts: number;
    causationId: string | null;
    publishedAt: string | null;
    error: string | null;
  }[];
  processing: { service: string; entityType: string; entityId: string; action: string; status: string; causationId: string | null; at: string }[];
  kafka: {
    topic: string;
    partition: number;
    offset: string;
    key: string | null;
    eventId: string | null;
    eventType: string | null;
    causationId: string | null;
    sourcePosition: string | null;
    headers: Record<string, string>;
  }[];
  clickhouse: {
    table: string;
    id: string;
    sourcePosition: string;
    eventId: string;
    eventType: string;
    isDeleted: boolean;
    /** null when the row has none, or the table has no causation_id column (then listed in notes). */
    causationId: string | null;
    ingestedAt: string;
  }[];
  weaviate: {
    collection: string;
    objectId: string;
    sourcePosition: string | null;
    eventId: string | null;
    causationId: string | null;
    properties: Record<string, unknown>;
  }[];
  /** What could not be looked at and why (a missing column, a missing topic); not errors. */
  notes: string[];
  errors: { store: StoreName; message: string }[];
}

export interface CorrelationLineageStores {
  pool: Pool;
  kafka?: Kafka;
  /** Topics to look in besides those the outbox rows name (event-store topic, entity topics). */
  topics?: readonly string[];
  clickhouse?: ClickHouseClient;
  weaviate?: { client: WeaviateClient; names: IndexCollectionNames };
  kafkaTimeoutMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function postgresPart(pool: Pool, id: string, report: CorrelationLineageReport): Promise<void> {
  const events = await pool.query(
    `SELECT event_id::text, aggregate_type, aggregate_id::text, event_version, event_type, global_position::text,
            transaction_id::text, causation_id::text, created_at
       FROM event_store WHERE correlation_id = $1 ORDER BY transaction_id, global_position`,
    [id],
  );
  report.eventStore = events.rows.map((r) => ({
    eventId: r.event_id,
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    version: r.event_version,
    eventType: r.event_type,
    globalPosition: r.global_position,
    transactionId: r.transaction_id,
    causationId: r.causation_id,
    createdAt: r.created_at.toISOString(),
  }));
  // No index on the outbox's correlation_id: the table holds only the retention window (7 days).
  const outbox = await pool.query(
    `SELECT id::text, event_id::text, topic, partition_key, status, attempts, causation_id::text, published_at, error_message
       FROM event_outbox WHERE correlation_id = $1 ORDER BY position`,
    [id],
  );
  report.outbox = outbox.rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    topic: r.topic,
    key: r.partition_key,
    status: r.status,
    attempts: r.attempts,
    causationId: r.causation_id,
    publishedAt: iso(r.published_at),
    error: r.error_message,
  }));
  const log = await pool.query(
    `SELECT service_name, entity_type, entity_id, action, status, causation_id::text, created_at
       FROM service_processing_log WHERE correlation_id = $1 ORDER BY created_at`,
    [id],
  );
  report.processing = log.rows.map((r) => ({
    service: r.service_name,
    entityType: r.entity_type,
    entityId: r.entity_id,
    action: r.action,
    status: r.status,
    causationId: r.causation_id,
    at: r.created_at.toISOString(),
  }));
}

/**
 * Reads the partitions the known keys hash to (the aggregate ids of the event-store and outbox
 * rows), or whole topics when no key is known, and keeps the messages carrying the correlation
 * id in their header or envelope.
 */
async function kafkaPart(stores: CorrelationLineageStores, id: string, report: CorrelationLineageReport): Promise<void> {
  const kafka = stores.kafka as Kafka;
  const keys = new Set([...report.eventStore.map((e) => e.aggregateId), ...report.outbox.map((o) => o.key).filter((k): k is string => k !== null)]);
  const topics = [...new Set([...report.outbox.map((o) => o.topic), ...(stores.topics ?? [])])];
  const admin = kafka.admin();
  await admin.connect();
  let existing: Set<string>;
  const partitionsOf = new Map<string, number[] | undefined>();
  try {
    existing = new Set(await admin.listTopics());
    for (const topic of topics) {
      if (!existing.has(topic)) {
        report.notes.push(`kafka: topic ${topic} does not exist`);
        continue;
      }
      if (keys.size === 0) {
        partitionsOf.set(topic, undefined);
        continue;
      }
      const partitionMetadata = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions;
      const partitioner = Partitioners.DefaultPartitioner();
      partitionsOf.set(topic, [...new Set([...keys].map((key) => partitioner({ topic, partitionMetadata, message: { key, value: null } })))]);
    }
  } finally {
    await admin.disconnect();
  }
  for (const [topic, partitions] of partitionsOf) {
    await scanTopic(
      kafka,
      topic,
      (m) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(m.headers ?? {})) {
          const first = Array.isArray(value) ? value[0] : value;
          if (first !== undefined) headers[name] = first.toString();
        }
        let envelope: Record<string, unknown> = {};
        try {
          envelope = JSON.parse(m.value?.toString() ?? 'null') ?? {};
        } catch {
          // An undecodable value can still match by header.
        }
        const metadata = (envelope.metadata ?? {}) as Record<string, unknown>;
        if (headers[EventHeaders.correlationId] !== id && metadata.correlationId !== id) return;
        const str = (v: unknown) => (typeof v === 'string' ? v : null);
        report.kafka.push({
          topic,
          partition: m.partition,
          offset: m.offset,
          key: m.key?.toString() ?? null,
          eventId: str(envelope.eventId) ?? headers[EventHeaders.eventId] ?? null,
          eventType: str(envelope.eventType) ?? headers[EventHeaders.eventType] ?? null,
          causationId: headers[EventHeaders.causationId] ?? str(metadata.causationId),
          sourcePosition: str(metadata.sourcePosition),
          headers,
        });
      },
      { partitions, timeoutMs: stores.kafkaTimeoutMs ?? 300_000, groupPrefix: 'consistency-lineage' },
    );
  }
}

/** `id` is a checked UUID (the legacy server has no query parameters). */
async function clickhousePart(client: ClickHouseClient, id: string, report: CorrelationLineageReport): Promise<void> {
  const columns = await (
    await client.query({
      query: `SELECT table, name FROM system.columns WHERE database = currentDatabase() AND name IN ('correlation_id', 'causation_id')`,
      format: 'JSONEachRow',
    })
  ).json<{ table: string; name: string }>();
  const has = (table: string, column: string) => columns.some((c) => c.table === table && c.name === column);
  for (const table of ANALYTICS_TABLES) {
    if (!has(table.name, 'correlation_id')) {
      report.notes.push(`clickhouse: table ${table.name} does not exist (or has no correlation_id)`);
      continue;
    }
    const causation = has(table.name, 'causation_id');
    if (!causation) report.notes.push(`clickhouse: table ${table.name} has no causation_id column`);
    const rows = await (
      await client.query({
        query: `SELECT toString(${quoteIdentifier(table.idColumn)}) AS id, source_position, toString(event_id) AS event_id, event_type, is_deleted,
                       ${causation ? 'toString(causation_id)' : 'NULL'} AS causation_id, toString(ingested_at) AS ingested_at
                  FROM ${quoteIdentifier(table.name)} WHERE correlation_id = toUUID('${id}')
                 ORDER BY id, source_position`,
        format: 'JSONEachRow',
      })
    ).json<{ id: string; source_position: string; event_id: string; event_type: string; is_deleted: number; causation_id: string | null; ingested_at: string }>();
    for (const r of rows) {
      report.clickhouse.push({
        table: table.name,
        id: r.id,
        sourcePosition: r.source_position,
        eventId: r.event_id,
        eventType: r.event_type,
        isDeleted: Number(r.is_deleted) === 1,
        causationId: r.causation_id,
        ingestedAt: r.ingested_at,
      });
    }
  }
}

async function weaviatePart(
  weaviate: NonNullable<CorrelationLineageStores['weaviate']>,
  id: string,
  report: CorrelationLineageReport,
): Promise<void> {
  for (const name of [weaviate.names.opportunity, weaviate.names.contractDocument]) {
    if (!(await weaviate.client.collections.exists(name))) {
      report.notes.push(`weaviate: collection ${name} does not exist`);
      continue;
    }
    const collection = weaviate.client.collections.use(name);
    const properties = new Set((await collection.config.get()).properties.map((p) => p.name));
    if (!properties.has('causationId')) report.notes.push(`weaviate: collection ${name} has no causationId property`);
    const found = await collection.query.fetchObjects({
      filters: collection.filter.byProperty('correlationId').equal(id),
      limit: 1_000,
    });
    for (const o of found.objects) {
      const p = o.properties as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      report.weaviate.push({
        collection: name,
        objectId: o.uuid,
        sourcePosition: str(p.sourcePosition),
        eventId: str(p.eventId),
        causationId: str(p.causationId),
        properties: Object.fromEntries(
          ['id', 'documentId', 'opportunityId', 'title', 'correlationId', 'migrationId'].filter((k) => k in p).map((k) => [k, p[k]]),
        ),
      });
    }
  }
}

/**
 * Follows one correlation id through every store. A store that cannot be read is reported in
 * `errors` and the others are still read; Kafka is read after PostgreSQL, whose rows say which
 * partitions to read.
 */
export async function traceCorrelation(stores: CorrelationLineageStores, rawId: string): Promise<CorrelationLineageReport> {
  if (!UUID.test(rawId)) throw new Error(`'${rawId}' is not a UUID`);
  const id = rawId.toLowerCase();
  const report: CorrelationLineageReport = {
    correlationId: id,
    eventStore: [],
    outbox: [],
    processing: [],
    kafka: [],
    clickhouse: [],
    weaviate: [],
    notes: [],
    errors: [],
  };
  const attempt = async (store: StoreName, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      report.errors.push({ store, message: describeError(error) });
    }
  };
  const { kafka, clickhouse, weaviate } = stores;
  await Promise.all([
    attempt('postgres', () => postgresPart(stores.pool, id, report)).then(() =>
      kafka ? attempt('kafka', () => kafkaPart(stores, id, report)) : undefined,
    ),
    clickhouse ? attempt('clickhouse', () => clickhousePart(clickhouse, id, report)) : undefined,
    weaviate ? attempt('weaviate', () => weaviatePart(weaviate, id, report)) : undefined,
  ]);
  report.kafka.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  return report;
}
