// The main job, end to end on the local stack: load a sample monolith, run every migration step
// that exists, and print a report of what each store holds. Steps not built yet say so.
import 'reflect-metadata';
import type { Pool } from 'pg';
import type { Kafka } from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, MigratedEntity } from '@mch/contracts';
import {
  clickhouseEnvSchema,
  kafkaEnvSchema,
  loadConfigSections,
  postgresEnvSchema,
  weaviateEnvSchema,
} from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createPostgresPool } from '@mch/infra-postgres';
import { createKafka } from '@mch/infra-kafka';
import { createClickHouse } from '@mch/infra-clickhouse';
import { connectWeaviate } from '@mch/infra-weaviate';
import { applyMonolithSchema, loadMonolith } from '@mch/monolith-fixture';

interface Stores {
  pg: Pool;
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  weaviate: WeaviateClient;
}

/** The steps of the migration in order; each names the issue that delivers it until it exists. */
const MIGRATION_STEPS: { title: string; issue: number }[] = [
  { title: 'schema migrations 016-018 and the event store', issue: 3 },
  { title: 'PostgreSQL -> Kafka backfill and change capture (kafka-migrator)', issue: 4 },
  { title: 'Kafka -> ClickHouse analytics (clickhouse-populator)', issue: 5 },
  { title: 'Kafka -> Weaviate Opportunity collection (weaviate-indexer)', issue: 6 },
  { title: 'consistency check down to the row (consistency-checker)', issue: 7 },
];

const CLICKHOUSE_TABLES: Partial<Record<MigratedEntity, string>> = {
  opportunity: 'opportunity_events',
  usage_record: 'api_usage_events',
};

async function kafkaMessages(kafka: Kafka, topic: string): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 'no topic';
    const offsets = await admin.fetchTopicOffsets(topic);
    const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    return `${total} msgs`;
  } finally {
    await admin.disconnect();
  }
}

async function clickhouseRows(client: ClickHouseClient, table: string | undefined): Promise<string> {
  if (!table) return 'n/a';
  const exists = await (await client.query({ query: `EXISTS TABLE ${table}`, format: 'JSONEachRow' })).json<{ result: number }>();
  if (!exists[0] || Number(exists[0].result) === 0) return 'no table';
  const rows = await (await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })).json<{ n: string }>();
  return `${rows[0].n} rows`;
}

async function weaviateObjects(client: WeaviateClient, entity: MigratedEntity): Promise<string> {
  if (entity !== 'opportunity') return 'n/a';
  if (!(await client.collections.exists('Opportunity'))) return 'no collection';
  const result = await client.collections.use('Opportunity').aggregate.overAll();
  return `${result.totalCount} objects`;
}

async function report(stores: Stores): Promise<void> {
  const header = ['entity', 'postgres', 'kafka', 'clickhouse', 'weaviate'];
  const rows: string[][] = [];
  for (const entity of Object.values(MigratedEntity)) {
    const spec = ENTITY_TOPICS[entity];
    const count = await stores.pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${spec.table}`);
    rows.push([
      entity,
      `${count.rows[0].n} rows`,
      await kafkaMessages(stores.kafka, spec.name),
      await clickhouseRows(stores.clickhouse, CLICKHOUSE_TABLES[entity]),
      await weaviateObjects(stores.weaviate, entity),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log('\nStore contents after the run');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const opportunities = Number(process.env.MCH_DEMO_OPPORTUNITIES ?? 20_000);
  if (!Number.isInteger(opportunities) || opportunities < 1) {
    throw new Error(`MCH_DEMO_OPPORTUNITIES must be a positive whole number, got '${process.env.MCH_DEMO_OPPORTUNITIES}'`);
  }
  const config = loadConfigSections({
    postgres: postgresEnvSchema,
    kafka: kafkaEnvSchema,
    clickhouse: clickhouseEnvSchema,
    weaviate: weaviateEnvSchema,
  });
  const logger = createLogger({ service: 'demo', level: 'warn' });
  const stores: Stores = {
    pg: createPostgresPool(config.postgres, { applicationName: 'mch-demo', max: 6 }),
    kafka: createKafka(config.kafka, { clientId: 'mch-demo', logger }),
    clickhouse: createClickHouse(config.clickhouse, { applicationName: 'mch-demo', logger }),
    weaviate: await connectWeaviate(config.weaviate),
  };
  try {
    console.log(`1. Loading a sample monolith: ${opportunities} opportunities with related rows (seed 42)`);
    const started = Date.now();
    await applyMonolithSchema(stores.pg);
    const loaded = await loadMonolith(stores.pg, { opportunities, seed: 42, reset: true, concurrency: 4 });
    const seconds = (Date.now() - started) / 1000;
    console.log(`   loaded in ${seconds.toFixed(1)} s: ${Object.entries(loaded.counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);

    MIGRATION_STEPS.forEach((step, i) =>
      console.log(`${i + 2}. ${step.title}: not available yet (issue #${step.issue})`),
    );
    await report(stores);
    console.log('\nVerdict: NOT MIGRATED - the migrators are not built yet; only the monolith holds the data.');
  } finally {
    await stores.pg.end();
    await stores.clickhouse.close();
    await stores.weaviate.close();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
