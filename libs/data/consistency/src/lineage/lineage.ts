import type { ClickHouseClient } from '@clickhouse/client';
import { Partitioners, type Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_SOURCES } from '@mch/data-kafka-migration';
import { analyticsTableFor, quoteIdentifier } from '@mch/data-clickhouse-analytics';
import { tombstoneObjectId, type IndexCollectionNames, type IndexedEntity } from '@mch/data-weaviate-index';
import type { MigratedEntity } from '@mch/contracts';
import { assertReadsEveryRow } from '@mch/infra-postgres';
import { pgChangedAt, quoteIdent } from '../sql/postgres-canonical.sql';
import { describeError, type StoreName } from '../stores/content-view';
import { scanTopic } from '../stores/topic.scanner';
import { weaviateViews } from '../profiles/weaviate-profile';

export interface KafkaVersion {
  partition: number;
  offset: string;
  eventId: string | null;
  eventType: string | null;
  operation: string | null;
  sourcePosition: string | null;
  correlationId: string | null;
  migrationId: string | null;
  migrationRun: string | null;
  timestamp: string | null;
}

export interface LineageReport {
  entity: MigratedEntity;
  id: string;
  postgres: {
    present: boolean;
    changedAt: string | null;
    /** Appends to the event store for this aggregate. */
    events: {
      version: number;
      globalPosition: string;
      eventType: string;
      correlationId: string | null;
      transactionId: string;
      createdAt: string;
    }[];
    /** What services recorded about it (dead letters, skips, successes). */
    processing: {
      service: string;
      action: string;
      status: string;
      correlationId: string | null;
      migrationId: string | null;
      errorCode: string | null;
      at: string;
    }[];
  } | null;
  kafka: { topic: string; partition: number | null; versions: KafkaVersion[]; live: boolean } | null;
  clickhouse: {
    table: string;
    versions: {
      sourcePosition: string;
      eventId: string;
      eventType: string;
      isDeleted: boolean;
      correlationId: string;
      migrationId: string | null;
      ingestedAt: string;
    }[];
    live: boolean;
  } | null;
  weaviate: {
    collection: string;
    object: Record<string, unknown> | null;
    tombstone: Record<string, unknown> | null;
  } | null;
  errors: { store: StoreName; message: string }[];
}

export interface LineageStores {
  pool: Pool;
  kafka?: Kafka;
  topic?: string;
  clickhouse?: ClickHouseClient;
  weaviate?: { client: WeaviateClient; names: IndexCollectionNames };
  kafkaTimeoutMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LINEAGE_PROPERTIES = ['sourcePosition', 'eventId', 'correlationId', 'migrationRun', 'migrationId'];

async function postgresLineage(
  pool: Pool,
  entity: MigratedEntity,
  id: string,
): Promise<NonNullable<LineageReport['postgres']>> {
  // A role RLS filters would report a present row as absent: refused (shown under errors.postgres).
  await assertReadsEveryRow(pool, [ENTITY_SOURCES[entity].table, 'event_store', 'service_processing_log'], 'lineage');
  const table = quoteIdent(ENTITY_SOURCES[entity].table);
  const row = await pool.query<{ changed: Date | null }>(
    `SELECT ${pgChangedAt(entity)} AS changed FROM ${table} t WHERE t.id = $1`,
    [id],
  );
  const events = await pool.query<{
    v: number;
    p: string;
    type: string;
    corr: string | null;
    tx: string;
    at: Date;
  }>(
    `SELECT event_version AS v, global_position::text AS p, event_type AS type, correlation_id::text AS corr, transaction_id::text AS tx, created_at AS at
       FROM event_store WHERE aggregate_id = $1 ORDER BY event_version`,
    [id],
  );
  const log = await pool.query<{
    service: string;
    action: string;
    status: string;
    corr: string | null;
    mig: string | null;
    code: string | null;
    at: Date;
  }>(
    `SELECT service_name AS service, action, status, correlation_id::text AS corr, migration_id::text AS mig, error_code AS code, created_at AS at
       FROM service_processing_log WHERE entity_id = $1 ORDER BY created_at`,
    [id],
  );
  return {
    present: row.rows.length > 0,
    changedAt: row.rows[0]?.changed?.toISOString() ?? null,
    events: events.rows.map((e) => ({
      version: e.v,
      globalPosition: e.p,
      eventType: e.type,
      correlationId: e.corr,
      transactionId: e.tx,
      createdAt: e.at.toISOString(),
    })),
    processing: log.rows.map((l) => ({
      service: l.service,
      action: l.action,
      status: l.status,
      correlationId: l.corr,
      migrationId: l.mig,
      errorCode: l.code,
      at: l.at.toISOString(),
    })),
  };
}

/** The partition the producers' default (murmur2) partitioner sends the key to. */
async function keyPartition(
  kafka: Kafka,
  topic: string,
  key: string,
): Promise<{ partition: number; all: number[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitionMetadata = metadata.topics[0].partitions;
    const partition = Partitioners.DefaultPartitioner()({
      topic,
      partitionMetadata,
      message: { key, value: null },
    });
    return { partition, all: partitionMetadata.map((p) => p.partitionId) };
  } finally {
    await admin.disconnect();
  }
}

async function kafkaLineage(
  kafka: Kafka,
  topic: string,
  id: string,
  timeoutMs: number,
): Promise<NonNullable<LineageReport['kafka']>> {
  const { partition, all } = await keyPartition(kafka, topic, id);
  const versions: KafkaVersion[] = [];
  const collect = (partitions: number[]) =>
    scanTopic(
      kafka,
      topic,
      (m) => {
        if (m.key?.toString() !== id) return;
        let e: Record<string, unknown> = {};
        try {
          e = JSON.parse(m.value?.toString() ?? 'null') ?? {};
        } catch {
          // An undecodable value still shows where it is.
        }
        const md = (e.metadata ?? {}) as Record<string, unknown>;
        const str = (v: unknown) => (typeof v === 'string' ? v : null);
        versions.push({
          partition: m.partition,
          offset: m.offset,
          eventId: str(e.eventId),
          eventType: str(e.eventType),
          operation: str(md.operation),
          sourcePosition: str(md.sourcePosition),
          correlationId: str(md.correlationId),
          migrationId: str(md.migrationId),
          migrationRun: str(md.migrationRun),
          timestamp: str(e.timestamp),
        });
      },
      { partitions, timeoutMs, groupPrefix: 'consistency-lineage' },
    );
  await collect([partition]);
  // A producer with another partitioner may have put it elsewhere: only then read the rest.
  if (versions.length === 0) await collect(all.filter((p) => p !== partition));
  versions.sort((a, b) => String(a.sourcePosition).localeCompare(String(b.sourcePosition)));
  const newest = versions.at(-1);
  return {
    topic,
    partition: newest?.partition ?? partition,
    versions,
    live: newest !== undefined && newest.operation !== 'delete',
  };
}

async function clickhouseLineage(
  client: ClickHouseClient,
  entity: MigratedEntity,
  id: string,
): Promise<LineageReport['clickhouse']> {
  const table = analyticsTableFor(entity);
  if (!table) return null;
  const result = await client.query({
    query: `SELECT source_position, toString(event_id) AS event_id, event_type, is_deleted, toString(correlation_id) AS correlation_id,
                   toString(migration_id) AS migration_id, toString(ingested_at) AS ingested_at
              FROM ${quoteIdentifier(table.name)} WHERE ${quoteIdentifier(table.idColumn)} = toUUID('${id}') ORDER BY source_position, ingested_at`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{
    source_position: string;
    event_id: string;
    event_type: string;
    is_deleted: number;
    correlation_id: string;
    migration_id: string | null;
    ingested_at: string;
  }>();
  return {
    table: table.name,
    versions: rows.map((r) => ({
      sourcePosition: r.source_position,
      eventId: r.event_id,
      eventType: r.event_type,
      isDeleted: Number(r.is_deleted) === 1,
      correlationId: r.correlation_id,
      migrationId: r.migration_id,
      ingestedAt: r.ingested_at,
    })),
    live: rows.length > 0 && Number(rows[rows.length - 1].is_deleted) === 0,
  };
}

async function weaviateLineage(
  client: WeaviateClient,
  names: IndexCollectionNames,
  entity: MigratedEntity,
  id: string,
): Promise<LineageReport['weaviate']> {
  const view = weaviateViews(names)[entity];
  if (!view) return null;
  const collection = client.collections.use(view.collection);
  const properties = [...LINEAGE_PROPERTIES, ...view.profile.fields.map((f) => f.stored)];
  const found = view.keyProperty
    ? (
        await collection.query.fetchObjects({
          filters: collection.filter.byProperty(view.keyProperty).equal(id),
          limit: 1,
          returnProperties: properties,
        })
      ).objects[0]
    : await collection.query.fetchObjectById(id, { returnProperties: properties });
  const tombstone = await client.collections
    .use(names.tombstone)
    .query.fetchObjectById(tombstoneObjectId(entity as IndexedEntity, id));
  return {
    collection: view.collection,
    object: found ? { objectId: found.uuid, ...(found.properties as Record<string, unknown>) } : null,
    tombstone: tombstone ? (tombstone.properties as Record<string, unknown>) : null,
  };
}

/** Where one row is in each store: present or not, which version, and which event and correlation put it there. */
export async function traceLineage(
  stores: LineageStores,
  entity: MigratedEntity,
  rawId: string,
): Promise<LineageReport> {
  if (!UUID.test(rawId)) throw new Error(`'${rawId}' is not a UUID`);
  const id = rawId.toLowerCase();
  const report: LineageReport = {
    entity,
    id,
    postgres: null,
    kafka: null,
    clickhouse: null,
    weaviate: null,
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
    attempt('postgres', async () => {
      report.postgres = await postgresLineage(stores.pool, entity, id);
    }),
    kafka && stores.topic
      ? attempt('kafka', async () => {
          report.kafka = await kafkaLineage(
            kafka,
            stores.topic as string,
            id,
            stores.kafkaTimeoutMs ?? 300_000,
          );
        })
      : undefined,
    clickhouse
      ? attempt('clickhouse', async () => {
          report.clickhouse = await clickhouseLineage(clickhouse, entity, id);
        })
      : undefined,
    weaviate
      ? attempt('weaviate', async () => {
          report.weaviate = await weaviateLineage(weaviate.client, weaviate.names, entity, id);
        })
      : undefined,
  ]);
  return report;
}
