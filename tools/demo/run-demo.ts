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
  type PostgresConfig,
} from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createPostgresPool, postgresSslOptions } from '@mch/infra-postgres';
import { createKafka } from '@mch/infra-kafka';
import { createClickHouse } from '@mch/infra-clickhouse';
import { connectWeaviate } from '@mch/infra-weaviate';
import { applyMonolithSchema, EDGE_DESCRIPTION_BYTES, loadMonolith } from '@mch/monolith-fixture';
import { migrateUp, schemaMigrationDataSource } from '@mch/data-schema-migrations';
import { ChangeStreamer, runBackfill } from '@mch/data-kafka-migration';
import { buildMigrator, kafkaMigratorConfigSchema } from '@mch/feature-kafka-migrator';
import { readWholeTopic } from '@mch/testing-stack';
import { ANALYTICS_TABLES, entityTotals, analyticsTableFor } from '@mch/data-clickhouse-analytics';
import { indexCollectionNames } from '@mch/data-weaviate-index';
import { startApp, startCli, waitUntil } from './service-process';
import { edgeHoldings, renderEdgeHoldings } from './edge-report';

interface Stores {
  pg: Pool;
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  weaviate: WeaviateClient;
}

/** The steps of the migration in order; each names the issue that delivers it until it exists. */
const DEMO_COLLECTIONS = indexCollectionNames('Demo');


/** Live keys of this migration on the topic: the newest version per key, deletes applied. */
async function kafkaLiveKeys(kafka: Kafka, topic: string, migrationId: string): Promise<Set<string>> {
  const latest = new Map<string, { position: string; deleted: boolean }>();
  for (const message of await readWholeTopic(kafka, topic)) {
    const envelope = JSON.parse(String(message.value)) as { aggregateId: string; metadata: { migrationId?: string; sourcePosition?: string; operation?: string } };
    if (envelope.metadata.migrationId !== migrationId) continue;
    const position = String(envelope.metadata.sourcePosition);
    const seen = latest.get(envelope.aggregateId);
    if (!seen || position > seen.position) latest.set(envelope.aggregateId, { position, deleted: envelope.metadata.operation === 'delete' });
  }
  return new Set([...latest].filter(([, v]) => !v.deleted).map(([key]) => key));
}

async function kafkaKeys(kafka: Kafka, topic: string, migrationId: string): Promise<string> {
  return `${(await kafkaLiveKeys(kafka, topic, migrationId)).size} keys`;
}

/** Exact (deduplicated, deletes applied) rows of the entity's analytics table. */
async function clickhouseRows(client: ClickHouseClient, entity: MigratedEntity): Promise<string> {
  const table = analyticsTableFor(entity);
  if (!table) return 'n/a';
  return `${(await entityTotals(client, table)).count} rows`;
}

/** Opportunities are objects keyed by their id, contract documents one object each (documentId). */
async function weaviateObjects(client: WeaviateClient, entity: MigratedEntity): Promise<string> {
  const collection =
    entity === 'opportunity' ? DEMO_COLLECTIONS.opportunity : entity === 'contract_document' ? DEMO_COLLECTIONS.contractDocument : null;
  if (!collection) return 'n/a';
  if (!(await client.collections.exists(collection))) return 'no collection';
  const result = await client.collections.use(collection).aggregate.overAll();
  return `${result.totalCount} objects`;
}

async function report(stores: Stores, migrationId: string, topicPrefix: string): Promise<void> {
  const header = ['entity', 'postgres', 'kafka', 'clickhouse', 'weaviate'];
  const rows: string[][] = [];
  for (const entity of Object.values(MigratedEntity)) {
    const spec = ENTITY_TOPICS[entity];
    const count = await stores.pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${spec.table}`);
    rows.push([
      entity,
      `${count.rows[0].n} rows`,
      await kafkaKeys(stores.kafka, `${topicPrefix}${spec.name}`, migrationId),
      await clickhouseRows(stores.clickhouse, entity),
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
  const logger = createLogger({ service: 'demo', level: 'error' });
  const database = 'mch_demo';
  await recreateDatabase(config.postgres, database);
  const postgres = { ...config.postgres, PGDATABASE: database };
  const admin = createClickHouse(config.clickhouse, { applicationName: 'mch-demo', logger });
  await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await admin.command({ query: `CREATE DATABASE ${database}` });
  await admin.close();
  const stores: Stores = {
    pg: createPostgresPool(postgres, { applicationName: 'mch-demo', max: 6 }),
    kafka: createKafka(config.kafka, { clientId: 'mch-demo', logger }),
    clickhouse: createClickHouse({ ...config.clickhouse, CLICKHOUSE_DATABASE: database }, { applicationName: 'mch-demo', logger }),
    weaviate: await connectWeaviate(config.weaviate),
  };
  try {
    console.log(`1. Loading a sample monolith: ${opportunities} opportunities with related rows (seed 42), plus the edge rows`);
    const started = Date.now();
    await applyMonolithSchema(stores.pg);
    const loaded = await loadMonolith(stores.pg, { opportunities, seed: 42, reset: true, concurrency: 4, edgeCases: true });
    const seconds = (Date.now() - started) / 1000;
    console.log(`   loaded in ${seconds.toFixed(1)} s: ${Object.entries(loaded.counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    console.log(`   edge rows: ${loaded.edgeCases.length} (years 0001/1969/2106/9999 and BC, infinity, NaN, largest numerics and integers, emoji, a ${EDGE_DESCRIPTION_BYTES / 1024 / 1024} MiB description, microseconds)`);

    console.log('2. Schema migrations 016-020 (event store, outbox, tracking, migration state, check runs, processing-status view)');
    const dataSource = schemaMigrationDataSource(postgres, 'mch-demo-migrations');
    await dataSource.initialize();
    console.log(`   applied: ${(await migrateUp(dataSource)).join(', ')}`);
    await dataSource.destroy();

    const runName = `demo-${Date.now()}`;
    // The demo's topics are its own, so a machine where tests ran still gets exact numbers.
    const topicPrefix = `${runName}.`;
    const app = kafkaMigratorConfigSchema.parse({ MIGRATION_RUN: runName, BATCH_SIZE: '5000', TOPIC_PREFIX: topicPrefix });
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

    console.log('4. Kafka -> ClickHouse: the clickhouse-populator service consumes the topics');
    const clickhouseStarted = Date.now();
    const populator = startApp('clickhouse-populator', {
      ...process.env,
      PGDATABASE: database,
      CLICKHOUSE_DATABASE: database,
      CLICKHOUSE_POPULATOR_TOPIC_PREFIX: topicPrefix,
      CLICKHOUSE_POPULATOR_GROUP_ID: `${runName}-clickhouse`,
      HTTP_PORT: process.env.MCH_DEMO_POPULATOR_PORT ?? '3191',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    try {
      for (const table of ANALYTICS_TABLES) {
        const expected = Number((await stores.pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${ENTITY_TOPICS[table.entity].table}`)).rows[0].n);
        await waitUntil(`${table.name} to hold ${expected} rows`, async () => {
          try {
            return (await entityTotals(stores.clickhouse, table)).count === expected;
          } catch {
            return false;
          }
        }, 300_000, populator.output);
      }
      const totals = await entityTotals(stores.clickhouse, analyticsTableFor('opportunity') ?? ANALYTICS_TABLES[0]);
      // Decimal(18, 2) cannot hold NaN or amounts of 10^16 or more: ClickHouse keeps them NULL and
      // flagged (original text in raw_values), so the sums compare over the amounts it can hold.
      const pgSum = await stores.pg.query<{ s: string | null; unheld: string }>(
        `SELECT sum(award_amount) FILTER (WHERE award_amount <> 'NaN' AND abs(award_amount) < 1e16)::text AS s,
                count(*) FILTER (WHERE award_amount = 'NaN' OR abs(award_amount) >= 1e16) AS unheld FROM opportunities`,
      );
      console.log(
        `   all analytics tables complete in ${((Date.now() - clickhouseStarted) / 1000).toFixed(1)} s; award total ClickHouse ${totals.sums.award_amount} / PostgreSQL ${pgSum.rows[0].s}` +
          ` (${pgSum.rows[0].unheld} NaN amounts are NULL in ClickHouse, flagged with their original text)`,
      );
    } finally {
      await populator.stop();
    }

    console.log('5. Kafka -> Weaviate: the weaviate-indexer indexes the opportunity and document topics (Job mode)');
    for (const name of Object.values(DEMO_COLLECTIONS)) await stores.weaviate.collections.delete(name).catch(() => undefined);
    const weaviateStarted = Date.now();
    const indexer = startApp('weaviate-indexer', {
      ...process.env,
      PGDATABASE: database,
      WEAVIATE_COLLECTION_PREFIX: 'Demo',
      INDEXER_OPPORTUNITY_TOPIC: `${topicPrefix}${ENTITY_TOPICS.opportunity.name}`,
      INDEXER_DOCUMENT_TOPIC: `${topicPrefix}${ENTITY_TOPICS.contract_document.name}`,
      MIGRATION_ID: app.migrationId,
      HTTP_PORT: process.env.MCH_DEMO_INDEXER_PORT ?? '3192',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    const indexed = await new Promise<number | null>((resolve) => indexer.child.on('exit', (code) => resolve(code)));
    if (indexed !== 0) throw new Error(`weaviate-indexer exited with ${indexed}\n${indexer.output()}`);
    console.log(`   indexed in ${((Date.now() - weaviateStarted) / 1000).toFixed(1)} s`);

    await report(stores, app.migrationId, topicPrefix);

    console.log('\nEdge rows and how each target holds them (exact, or flagged: typed value clamped/NULL, original kept)');
    const holdings = await edgeHoldings(
      {
        kafkaKeys: (entity) => kafkaLiveKeys(stores.kafka, `${topicPrefix}${ENTITY_TOPICS[entity].name}`, app.migrationId),
        clickhouse: stores.clickhouse,
        weaviate: stores.weaviate,
        collections: DEMO_COLLECTIONS,
      },
      loaded.edgeCases,
    );
    for (const line of renderEdgeHoldings(holdings)) console.log(line);

    console.log('\n6. Consistency check across the four stores, all five entities against every target each goes to (consistency-checker, content hashes by key segment)');
    const checker = startCli('apps/consistency-checker/src/cli.ts', ['check', '--format', 'table'], {
      ...process.env,
      PGDATABASE: database,
      CLICKHOUSE_DATABASE: database,
      CONSISTENCY_TOPIC_PREFIX: topicPrefix,
      CONSISTENCY_WEAVIATE_PREFIX: 'Demo',
      CONSISTENCY_MIGRATION_ID: app.migrationId,
      LOG_LEVEL: 'error',
    });
    const verdict = await new Promise<number | null>((resolve) => checker.child.on('exit', (code) => resolve(code)));
    console.log(checker.stdout().trim());
    if (verdict !== 0) console.log(checker.output().trim().split('\n').slice(-5).join('\n'));
    // The checker's exit codes (docs/consistency-checker.md): 0 consistent, 4 consistent except
    // dead-lettered rows, 1 unexplained discrepancies, 2 bad arguments, 3 a store unreadable.
    const verdicts: Record<number, string> = {
      0: 'CONSISTENT - every store agrees with PostgreSQL.',
      4: 'DEAD-LETTERED - every other row agrees; the dead-lettered rows are listed above (kafka-migrator replay-dead-letters after the fix).',
      3: 'UNREADABLE - a store could not be read; see the report above.',
    };
    console.log(`\nVerdict: ${verdicts[verdict ?? -1] ?? 'INCONSISTENT - see the report above.'}`);
    process.exitCode = verdict === 0 ? 0 : 1;
  } finally {
    await stores.pg.end();
    await stores.clickhouse.close();
    await stores.weaviate.close();
  }
}

/** The demo owns one database and starts it fresh each run (any capture slot on it goes too). */
async function recreateDatabase(config: PostgresConfig, name: string): Promise<void> {
  const admin = new Pool({ host: config.PGHOST, port: config.PGPORT, user: config.PGUSER, password: config.PGPASSWORD, database: config.PGDATABASE, ssl: postgresSslOptions(config), max: 1 });
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
