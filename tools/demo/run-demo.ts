// The main job, end to end on the local stack: load a sample monolith, run every migration step
// that exists, and print a report of what each store holds. Steps not built yet say so.
import 'reflect-metadata';
import { Pool } from 'pg';
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
import { migrateUp, schemaMigrationDataSource } from '@mch/data-schema-migrations';
import { ChangeStreamer, runBackfill } from '@mch/data-kafka-migration';
import { buildMigrator, kafkaMigratorConfigSchema } from '@mch/feature-kafka-migrator';
import { readWholeTopic } from '@mch/testing-stack';

interface Stores {
  pg: Pool;
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  weaviate: WeaviateClient;
}

/** The steps of the migration in order; each names the issue that delivers it until it exists. */
const MIGRATION_STEPS: { title: string; issue: number }[] = [
  { title: 'Kafka -> ClickHouse analytics (clickhouse-populator)', issue: 5 },
  { title: 'Kafka -> Weaviate Opportunity collection (weaviate-indexer)', issue: 6 },
  { title: 'consistency check down to the row (consistency-checker)', issue: 7 },
];

const CLICKHOUSE_TABLES: Partial<Record<MigratedEntity, string>> = {
  opportunity: 'opportunity_events',
  usage_record: 'api_usage_events',
};

/** Distinct live keys of this migration on the topic: the newest version per key, deletes applied. */
async function kafkaKeys(kafka: Kafka, topic: string, migrationId: string): Promise<string> {
  const latest = new Map<string, { position: string; deleted: boolean }>();
  for (const message of await readWholeTopic(kafka, topic)) {
    const envelope = JSON.parse(String(message.value)) as { aggregateId: string; metadata: { migrationId?: string; sourcePosition?: string; operation?: string } };
    if (envelope.metadata.migrationId !== migrationId) continue;
    const position = String(envelope.metadata.sourcePosition);
    const seen = latest.get(envelope.aggregateId);
    if (!seen || position > seen.position) latest.set(envelope.aggregateId, { position, deleted: envelope.metadata.operation === 'delete' });
  }
  return `${[...latest.values()].filter((v) => !v.deleted).length} keys`;
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

async function report(stores: Stores, migrationId: string): Promise<void> {
  const header = ['entity', 'postgres', 'kafka', 'clickhouse', 'weaviate'];
  const rows: string[][] = [];
  for (const entity of Object.values(MigratedEntity)) {
    const spec = ENTITY_TOPICS[entity];
    const count = await stores.pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${spec.table}`);
    rows.push([
      entity,
      `${count.rows[0].n} rows`,
      await kafkaKeys(stores.kafka, spec.name, migrationId),
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
  const database = 'mch_demo';
  await recreateDatabase(config.postgres, database);
  const postgres = { ...config.postgres, PGDATABASE: database };
  const stores: Stores = {
    pg: createPostgresPool(postgres, { applicationName: 'mch-demo', max: 6 }),
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

    console.log('2. Schema migrations 016-018 (event store, outbox, tracking, migration state)');
    const dataSource = schemaMigrationDataSource(postgres, 'mch-demo-migrations');
    await dataSource.initialize();
    console.log(`   applied: ${(await migrateUp(dataSource)).join(', ')}`);
    await dataSource.destroy();

    const app = kafkaMigratorConfigSchema.parse({ MIGRATION_RUN: `demo-${Date.now()}`, BATCH_SIZE: '5000' });
    console.log(`3. PostgreSQL -> Kafka: change capture, then backfill of ${app.ENTITIES.join(', ')} (migration ${app.migrationId})`);
    const parts = await buildMigrator(stores.pg, stores.kafka, logger, app);
    await parts.capture.setup();
    const streamer = new ChangeStreamer(parts.capture, parts.publisher, parts.run, logger);
    try {
      streamer.start();
      for (const entity of app.ENTITIES) {
        const summary = await runBackfill(
          { pool: stores.pg, publisher: parts.publisher, checkpoints: parts.checkpoints, logger },
          {
            entity, run: parts.run, shard: { index: 0, count: 1 }, batchSize: app.BATCH_SIZE, captureMode: parts.capture.mode,
            owner: 'demo', leaseTtlMs: 60_000, maxRowsPerSecond: 0, slowAckMs: 10_000, maxRetainedWalBytes: 0,
            onProgress: (p) => process.stderr.write(`\r   ${p.entity}: ${p.processed}/${p.total ?? '?'} rows, ${Math.round(p.rowsPerSecond)} rows/s, ETA ${p.etaSeconds === null ? '?' : Math.round(p.etaSeconds)} s   `),
          },
        );
        process.stderr.write('\n');
        console.log(`   ${entity}: ${summary.published} published, ${summary.failed} dead-lettered, ${summary.seconds.toFixed(1)} s`);
      }
      await streamer.stop();
      await streamer.catchUp();
      console.log(`   change capture (${parts.capture.mode}): ${streamer.stats.published} changes streamed`);
    } finally {
      await streamer.stop();
      await parts.capture.teardown();
      await parts.close();
    }

    MIGRATION_STEPS.forEach((step, i) =>
      console.log(`${i + 4}. ${step.title}: not available yet (issue #${step.issue})`),
    );
    await report(stores, app.migrationId);
    console.log('\nVerdict: PARTIAL - PostgreSQL and Kafka hold the data; ClickHouse, Weaviate and the row-level consistency check are not built yet.');
  } finally {
    await stores.pg.end();
    await stores.clickhouse.close();
    await stores.weaviate.close();
  }
}

/** The demo owns one database and starts it fresh each run (any capture slot on it goes too). */
async function recreateDatabase(config: { PGHOST: string; PGPORT: number; PGUSER: string; PGPASSWORD: string; PGDATABASE: string }, name: string): Promise<void> {
  const admin = new Pool({ host: config.PGHOST, port: config.PGPORT, user: config.PGUSER, password: config.PGPASSWORD, database: config.PGDATABASE, max: 1 });
  try {
    await admin.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`, [name]);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
