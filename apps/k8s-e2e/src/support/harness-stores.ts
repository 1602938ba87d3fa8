// The stores one overlay's run uses on the shared local stack, isolated per run: a fresh
// PostgreSQL database with a small monolith fixture (no toolkit migrations: the schema-migrate Job
// applies them), a fresh ClickHouse database, a topic prefix and a Weaviate collection prefix.
// On the default (plaintext) stack, or on the TLS instance (tools/stack/tls-stack.sh): then the
// test's own clients connect with the instance's TLS settings too (verify-full, SASL_SSL, HTTPS).
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, EVENT_STORE_TOPIC, type MigratedEntity } from '@mch/contracts';
import { createKafka } from '@mch/infra-kafka';
import { createClickHouse } from '@mch/infra-clickhouse';
import { connectWeaviate } from '@mch/infra-weaviate';
import { indexCollectionNames, type IndexCollectionNames } from '@mch/data-weaviate-index';
import { clickhouseEnvSchema, kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { postgresSslOptions } from '@mch/infra-postgres';
import { applyMonolithSchema, loadMonolith } from '@mch/monolith-fixture';
import { postgresEnvSchema } from '@mch/util-config';
import { createMigratedDatabase, createTestDatabase, readWholeTopic, stackPgConfig, type MigratedDatabase, type StackPgConfig } from '@mch/testing-stack';
import { localStack, type HarnessContext, type LocalStack, type RenderedOverlay } from '@mch/testing-k8s-harness';

export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');
const quiet = createLogger({ service: 'k8s-e2e', level: 'error', sink: () => undefined });

export interface HarnessStores {
  db: MigratedDatabase;
  clickhouseDatabase: string;
  clickhouse: ClickHouseClient;
  kafka: Kafka;
  weaviate: WeaviateClient;
  topicPrefix: string;
  collections: IndexCollectionNames;
  stack: LocalStack;
  /** The per-run isolation settings every pod gets (HarnessContext.isolationEnv). */
  isolationEnv: Record<string, string>;
  context(overlay: RenderedOverlay): HarnessContext;
  topic(entity: MigratedEntity): string;
  drop(): Promise<void>;
}

/** The monolith fixture in a fresh database of the TLS instance, over verify-full. */
async function createTlsDatabase(label: string, opportunities: number, env: Record<string, string>): Promise<MigratedDatabase> {
  const ssl = postgresSslOptions(loadConfig(postgresEnvSchema, env));
  // createTestDatabase spreads its config into pg's Client and Pool, so `ssl` reaches both.
  const database = await createTestDatabase(`k8s_${label}`, { config: { ...stackPgConfig(env), ssl } as StackPgConfig });
  try {
    await applyMonolithSchema(database.pool);
    await loadMonolith(database.pool, { opportunities, seed: 1111, concurrency: 4 });
  } catch (error) {
    await database.drop();
    throw error;
  }
  return Object.assign(database, { config: loadConfig(postgresEnvSchema, { ...env, PGDATABASE: database.name }) });
}

/**
 * `tlsEnv`: the TLS instance's settings (support/tls-stack.ts); the pods then run against it and
 * take their TLS settings from the rendered manifests, the harness supplying only endpoints,
 * Secrets and the CA ConfigMap. Without it, the default stack of the test process's environment.
 */
export async function createHarnessStores(label: string, opportunities: number, tlsEnv?: Record<string, string>): Promise<HarnessStores> {
  const env = tlsEnv ?? process.env;
  const tag = `${label}_${randomBytes(4).toString('hex')}`;
  const db = tlsEnv
    ? await createTlsDatabase(label, opportunities, tlsEnv)
    : await createMigratedDatabase(`k8s_${label}`, { migrations: false, load: { opportunities, seed: 1111 } });
  const clickhouseDatabase = `it_k8s_${tag}`;
  const admin = createClickHouse(loadConfig(clickhouseEnvSchema, env), { applicationName: 'k8s-e2e', logger: quiet });
  await admin.command({ query: `CREATE DATABASE ${clickhouseDatabase}` });
  await admin.close();
  const clickhouse = createClickHouse({ ...loadConfig(clickhouseEnvSchema, env), CLICKHOUSE_DATABASE: clickhouseDatabase }, { applicationName: 'k8s-e2e', logger: quiet });
  const kafka = createKafka(loadConfig(kafkaEnvSchema, env), { clientId: 'k8s-e2e', logger: quiet });
  const weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema, env));
  const topicPrefix = `k8s-${tag.replace(/_/g, '-')}.`;
  const weaviatePrefix = `K8s${label.replace(/[^A-Za-z0-9]/g, '')}${tag.slice(-8)}`.replace(/^K8s(.)/, (_m, c: string) => `K8s${c.toUpperCase()}`);
  const collections = indexCollectionNames(weaviatePrefix);
  const stack = localStack(WORKSPACE_ROOT, { PGDATABASE: db.name, CLICKHOUSE_DATABASE: clickhouseDatabase }, tlsEnv ? 'tls' : 'default');
  // The apps read topic names and collection prefixes from these (production leaves them at their
  // defaults); consumer groups per run, so no other test's consumers join them.
  const isolationEnv: Record<string, string> = {
    TOPIC_PREFIX: topicPrefix,
    CLICKHOUSE_POPULATOR_TOPIC_PREFIX: topicPrefix,
    CLICKHOUSE_POPULATOR_GROUP_ID: `${topicPrefix}clickhouse-populator`,
    INDEXER_OPPORTUNITY_TOPIC: `${topicPrefix}${ENTITY_TOPICS.opportunity.name}`,
    INDEXER_DOCUMENT_TOPIC: `${topicPrefix}${ENTITY_TOPICS.contract_document.name}`,
    INDEXER_GROUP_ID: `${topicPrefix}weaviate-indexer`,
    WEAVIATE_COLLECTION_PREFIX: weaviatePrefix,
    CONSISTENCY_TOPIC_PREFIX: topicPrefix,
    CONSISTENCY_WEAVIATE_PREFIX: weaviatePrefix,
    EVENT_STORE_TOPIC: `${topicPrefix}${EVENT_STORE_TOPIC.name}`,
  };
  return {
    db,
    clickhouseDatabase,
    clickhouse,
    kafka,
    weaviate,
    topicPrefix,
    collections,
    stack,
    isolationEnv,
    context: (overlay) => ({ workspace: WORKSPACE_ROOT, overlay, stack, isolationEnv }),
    topic: (entity) => `${topicPrefix}${ENTITY_TOPICS[entity].name}`,
    drop: async () => {
      await db.pool
        .query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND NOT active`)
        .catch(() => undefined);
      await db.drop();
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${clickhouseDatabase}` }).catch(() => undefined);
      await clickhouse.close();
      for (const name of Object.values(collections)) await weaviate.collections.delete(name).catch(() => undefined);
      await weaviate.close();
      const kafkaAdmin = kafka.admin();
      await kafkaAdmin.connect();
      const own = (await kafkaAdmin.listTopics()).filter((t) => t.startsWith(topicPrefix));
      if (own.length > 0) await kafkaAdmin.deleteTopics({ topics: own }).catch(() => undefined);
      await kafkaAdmin.disconnect();
    },
  };
}

/**
 * Gives the overlay's run a per-test-run name: `<MIGRATION_RUN>-<hex>` in the rendered ConfigMap
 * `mch-migration-run-*` (in place). The change-capture slot and publication are named after the
 * run and replication slots are cluster-wide, so two runs of the same overlay on the shared stack
 * would otherwise share one slot. Every workload still has to read the name from that ConfigMap.
 */
export function isolateRun(overlay: RenderedOverlay): string {
  const configMap = overlay.all('ConfigMap').find((c) => /^mch-migration-run(-[a-z0-9]+)?$/.test(c.metadata.name)) as { data?: Record<string, string> } | undefined;
  const run = configMap?.data?.MIGRATION_RUN;
  if (!configMap?.data || !run) throw new Error(`${overlay.path}: no ConfigMap mch-migration-run with MIGRATION_RUN`);
  configMap.data.MIGRATION_RUN = `${run}-${randomBytes(3).toString('hex')}`;
  return configMap.data.MIGRATION_RUN;
}

/** Messages of one migration on an entity topic: how many, and how many distinct rows. */
export async function topicCoverage(stores: HarnessStores, entity: MigratedEntity, migrationId: string): Promise<{ messages: number; rows: number }> {
  const admin = stores.kafka.admin();
  await admin.connect();
  const exists = (await admin.listTopics()).includes(stores.topic(entity));
  await admin.disconnect();
  if (!exists) return { messages: 0, rows: 0 };
  const ids: string[] = [];
  for (const message of await readWholeTopic(stores.kafka, stores.topic(entity))) {
    const envelope = JSON.parse(String(message.value)) as { aggregateId: string; metadata: { migrationId?: string; operation?: string } };
    if (envelope.metadata.migrationId === migrationId && envelope.metadata.operation === 'snapshot') ids.push(envelope.aggregateId);
  }
  return { messages: ids.length, rows: new Set(ids).size };
}
