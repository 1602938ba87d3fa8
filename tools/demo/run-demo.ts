// The main job, end to end on the local stack: load a sample monolith, then run the migration the
// way Kubernetes runs it (k8s/README.md): every stage is its app's built entry point
// (dist/apps/<app>/main.js) with the mode's args, while a monolith workload keeps writing and
// reading and the application appends domain events through the event store. Ends with what each
// stage did, the workload's latency before and during, and the consistency checker's report.
import 'reflect-metadata';
import { Pool } from 'pg';
import type { Kafka } from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, EVENT_STORE_TOPIC, MigratedEntity, migrationIdOfRun } from '@mch/contracts';
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
import { EventStoreHttpClient, MonolithWorkload } from '@mch/monolith-workload';
import { readWholeTopic, freePort } from '@mch/testing-stack';
import { entityTotals, analyticsTableFor } from '@mch/data-clickhouse-analytics';
import { indexCollectionNames } from '@mch/data-weaviate-index';
import { NoiseLog, httpGet, startEntry, waitForDrain, waitReady, waitUntil, type EntryProcess } from './service-process';
import { samplesOf } from '@mch/util-metrics';
import { backfillFigures, consumerLag, outboxByTopic, renderLatency, renderStages, scrape, sumMetric, type StageLine } from './stage-figures';
import { edgeHoldings, renderEdgeHoldings } from './edge-report';
import { buildApps } from './build-apps';
import { PeakRss } from './peak-rss';
import { MIGRATION_NICE, STORE_NICE, lowerStorePriority } from './cpu-priority';
import { onInterrupt } from './interrupt-cleanup';
import { MONOLITH_LISTING_PROBE_SQL } from './listing-probe';

interface Stores {
  pg: Pool;
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  weaviate: WeaviateClient;
}

const DEMO_COLLECTIONS = indexCollectionNames('Demo');
const DATABASE = 'mch_demo';

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return value;
}

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

async function weaviateObjects(client: WeaviateClient, entity: MigratedEntity): Promise<string> {
  const collection =
    entity === 'opportunity' ? DEMO_COLLECTIONS.opportunity : entity === 'contract_document' ? DEMO_COLLECTIONS.contractDocument : null;
  if (!collection) return 'n/a';
  if (!(await client.collections.exists(collection))) return 'no collection';
  const result = await client.collections.use(collection).aggregate.overAll();
  return `${result.totalCount} objects`;
}

async function storeContents(stores: Stores, migrationId: string, topicPrefix: string): Promise<void> {
  const header = ['entity', 'postgres', 'kafka (this run)', 'clickhouse', 'weaviate'];
  const rows: string[][] = [];
  for (const entity of Object.values(MigratedEntity)) {
    const spec = ENTITY_TOPICS[entity];
    const count = await stores.pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${spec.table}`);
    const table = analyticsTableFor(entity);
    rows.push([
      entity,
      `${count.rows[0].n} rows`,
      `${(await kafkaLiveKeys(stores.kafka, `${topicPrefix}${spec.name}`, migrationId)).size} keys`,
      table ? `${(await entityTotals(stores.clickhouse, table)).count} rows` : 'n/a',
      await weaviateObjects(stores.weaviate, entity),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `   ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`;
  console.log(line(header));
  console.log(`   ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
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

/** Topics of earlier demo runs (each run has its own prefix), so they do not pile up on the stack. */
async function deleteEarlierDemoTopics(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const old = (await admin.listTopics()).filter((t) => /^(dlq\.)?demo-\d+\./.test(t));
    if (old.length > 0) await admin.deleteTopics({ topics: old, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

async function runToExit(entry: EntryProcess): Promise<number | null> {
  return entry.exited;
}

export interface DemoSettings {
  opportunities: number;
  writesPerSecond: number;
  readsPerSecond: number;
  baselineSeconds: number;
  tailSeconds: number;
  shards: number;
  /**
   * 'shared' (default): every process competes for the machine's cores as it comes. 'own': the
   * migration's processes and the stack's Kafka, ClickHouse and Weaviate run at the lowest CPU
   * priority, so PostgreSQL and the application's workload are served first, as when the monolith's
   * database has its own nodes; its latency then shows what the migration costs the database itself.
   */
  databaseCores?: 'shared' | 'own';
}

/** What `npm run bench e2e` reads off a run (the demo prints the same). */
export interface DemoOutcome {
  exitCode: number;
  /** The checker's exit code: 0 consistent. */
  verdict: number | null;
  loadSeconds: number;
  /** From the first migration step (change capture starting) to the checker's verdict. */
  migrationSeconds: number;
  readP99Ms: { before: number | null; during: number | null };
  peakRssMiB: [string, number][];
  noiseLines: number;
  workloadFailures: number;
  rowsLoaded: number;
}

export function databaseCoresFromEnv(value = process.env.MCH_DEMO_DB_CORES): 'shared' | 'own' {
  if (value === undefined || value === '' || value === 'shared') return 'shared';
  if (value === 'own') return 'own';
  throw new Error(`MCH_DEMO_DB_CORES must be 'shared' or 'own', got '${value}'`);
}

export function demoSettingsFromEnv(): DemoSettings {
  const opportunities = positiveNumber('MCH_DEMO_OPPORTUNITIES', 20_000);
  if (!Number.isInteger(opportunities)) throw new Error(`MCH_DEMO_OPPORTUNITIES must be a whole number, got '${opportunities}'`);
  return {
    opportunities,
    writesPerSecond: positiveNumber('MCH_DEMO_WRITES_PER_SECOND', 40),
    readsPerSecond: positiveNumber('MCH_DEMO_READS_PER_SECOND', 40),
    baselineSeconds: positiveNumber('MCH_DEMO_BASELINE_SECONDS', 10),
    tailSeconds: positiveNumber('MCH_DEMO_TAIL_SECONDS', 5),
    shards: positiveNumber('MCH_DEMO_SHARDS', 2),
    databaseCores: databaseCoresFromEnv(),
  };
}

export async function runDemo(settings: DemoSettings = demoSettingsFromEnv()): Promise<DemoOutcome> {
  const { opportunities, writesPerSecond, readsPerSecond, baselineSeconds, tailSeconds, shards } = settings;
  const ownCores = settings.databaseCores === 'own';
  const spawnOptions = ownCores ? { nice: MIGRATION_NICE } : {};
  let storePriority: ReturnType<typeof lowerStorePriority> | undefined;
  if (!process.env.API_TOKEN) throw new Error('API_TOKEN is not set: source the stack env (bash tools/stack/stack.sh env)');
  const config = loadConfigSections({ postgres: postgresEnvSchema, kafka: kafkaEnvSchema, clickhouse: clickhouseEnvSchema, weaviate: weaviateEnvSchema });
  const noise = new NoiseLog();
  const logger = createLogger({ service: 'demo', level: 'error' });
  const runName = `demo-${Date.now()}`;
  // The demo's topics are its own, so a machine where tests ran still gets exact numbers.
  const topicPrefix = `${runName}.`;
  const migrationId = migrationIdOfRun(runName);

  await recreateDatabase(config.postgres, DATABASE);
  const admin = createClickHouse(config.clickhouse, { applicationName: 'mch-demo', logger });
  await admin.command({ query: `DROP DATABASE IF EXISTS ${DATABASE}` });
  await admin.command({ query: `CREATE DATABASE ${DATABASE}` });
  await admin.close();
  const stores: Stores = {
    pg: createPostgresPool({ ...config.postgres, PGDATABASE: DATABASE }, { applicationName: 'mch-demo', max: 4 }),
    kafka: createKafka(config.kafka, { clientId: 'mch-demo', logger }),
    clickhouse: createClickHouse({ ...config.clickhouse, CLICKHOUSE_DATABASE: DATABASE }, { applicationName: 'mch-demo', logger }),
    weaviate: await connectWeaviate(config.weaviate),
  };
  await deleteEarlierDemoTopics(stores.kafka);
  for (const name of Object.values(DEMO_COLLECTIONS)) await stores.weaviate.collections.delete(name).catch(() => undefined);
  // The application's own pool: the workload's latency is what the monolith's users would see.
  const appPool = createPostgresPool({ ...config.postgres, PGDATABASE: DATABASE }, { applicationName: 'medcontracthub-app', max: 4 });
  const services: EntryProcess[] = [];
  const rss = new PeakRss();
  const workload = new MonolithWorkload(appPool, { opportunities, seed: 42, writesPerSecond, readsPerSecond });
  // Run once, by the finally below or by Ctrl-C/SIGTERM (onInterrupt): the services started in
  // sessions of their own would outlive the demo, and the run's slot would hold WAL back.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      storePriority?.restore();
      await rss.stop();
      await workload.stop();
      for (const service of services.reverse()) await service.stop();
      // The run's slot would hold WAL back on the shared stack until the next run: drop it (main.js teardown-capture).
      const teardown = startEntry('kafka-migrator teardown-capture', 'kafka-migrator', ['teardown-capture'], env({ TOPIC_PREFIX: topicPrefix }), noise, { ...spawnOptions, manifest: 'kafka-migrator-cdc.yaml' });
      await runToExit(teardown);
      await appPool.end();
      await stores.pg.end();
      await stores.clickhouse.close();
      await stores.weaviate.close();
    })());
  const unregisterCleanup = onInterrupt(() => {
    console.log('interrupted: stopping the services, dropping the run\'s capture slot, restoring priorities');
    return cleanup();
  });
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    ...process.env,
    PGDATABASE: DATABASE,
    CLICKHOUSE_DATABASE: DATABASE,
    MIGRATION_RUN: runName,
    LOG_LEVEL: 'info',
    ...extra,
  });
  try {
    console.log(`1. Loading a sample monolith: ${opportunities} opportunities with related rows (seed 42), plus the edge rows`);
    const started = Date.now();
    await applyMonolithSchema(stores.pg);
    const loaded = await loadMonolith(stores.pg, { opportunities, seed: 42, reset: true, concurrency: 4, edgeCases: true });
    const loadSeconds = (Date.now() - started) / 1000;
    console.log(`   loaded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.entries(loaded.counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    console.log(`   edge rows: ${loaded.edgeCases.length} (years 0001/1969/2106/9999 and BC, infinity, NaN, largest numerics and integers, emoji, a ${EDGE_DESCRIPTION_BYTES / 1024 / 1024} MiB description, microseconds)`);

    console.log('2. Building the five apps as their images do (tools/scripts/build-app.js -> dist/apps/<app>/main.js)');
    console.log(`   ${await buildApps(['event-store', 'kafka-migrator', 'clickhouse-populator', 'weaviate-indexer', 'consistency-checker'])}`);

    console.log('3. Schema migrations 016-020: event-store main.js migrate up (the schema-migrate Job)');
    const migrate = startEntry('schema-migrate', 'event-store', ['migrate', 'up'], env({}), noise, { ...spawnOptions, manifest: 'jobs/schema-migrate.yaml' });
    if ((await runToExit(migrate)) !== 0) throw new Error(`migrate up failed\n${migrate.output()}`);

    console.log(`4. The monolith's own workload starts: ${writesPerSecond} writes/s (inserts, updates, deletes on five tables), ${readsPerSecond} reads/s; ${baselineSeconds} s of baseline before anything of the migration runs`);
    if (ownCores) {
      storePriority = lowerStorePriority();
      console.log(`   MCH_DEMO_DB_CORES=own: PostgreSQL and the workload are served first, then ${storePriority.lowered.join(', ')} at nice ${STORE_NICE}, then the migration's processes at nice ${MIGRATION_NICE}`);
    }
    await workload.start('before');
    await new Promise((resolve) => setTimeout(resolve, baselineSeconds * 1000));

    console.log(`5. Migration run ${runName} (id ${migrationId}), topics prefixed '${topicPrefix}'`);
    workload.setPhase('during');
    const migrationStarted = Date.now();
    const port = async () => String(await freePort());
    const cdc = startEntry('kafka-migrator-cdc', 'kafka-migrator', [], env({ TOPIC_PREFIX: topicPrefix, HTTP_PORT: await port(), HTTP_HOST: '127.0.0.1' }), noise, { ...spawnOptions, manifest: 'kafka-migrator-cdc.yaml' });
    services.push(cdc);
    rss.watch(cdc);
    await waitReady(cdc);
    const cdcStatus = async () => JSON.parse((await httpGet(`${cdc.url}/migration/status`)).body) as { mode: string; stats: { published: number; failed: number } | null };
    console.log(`   kafka-migrator (change capture, ${(await cdcStatus()).mode}): ready; topics created, slot streaming`);

    const eventStore = startEntry('event-store', 'event-store', [], env({
      EVENT_STORE_TOPIC: `${topicPrefix}${EVENT_STORE_TOPIC.name}`,
      EVENT_STORE_ENTITY_EVENTS: 'opportunity',
      EVENT_STORE_ENTITY_TOPIC_PREFIX: topicPrefix,
      HTTP_PORT: await port(),
      HTTP_HOST: '127.0.0.1',
    }), noise, { ...spawnOptions, manifest: 'event-store.yaml' });
    const populatorGroup = `${runName}-clickhouse`;
    const populator = startEntry('clickhouse-populator', 'clickhouse-populator', [], env({
      CLICKHOUSE_POPULATOR_TOPIC_PREFIX: topicPrefix,
      CLICKHOUSE_POPULATOR_GROUP_ID: populatorGroup,
      HTTP_PORT: await port(),
      HTTP_HOST: '127.0.0.1',
    }), noise, { ...spawnOptions, manifest: 'clickhouse-populator.yaml' });
    const indexerGroup = `${runName}-weaviate`;
    const indexer = startEntry('weaviate-indexer', 'weaviate-indexer', [], env({
      WEAVIATE_COLLECTION_PREFIX: 'Demo',
      INDEXER_OPPORTUNITY_TOPIC: `${topicPrefix}${ENTITY_TOPICS.opportunity.name}`,
      INDEXER_DOCUMENT_TOPIC: `${topicPrefix}${ENTITY_TOPICS.contract_document.name}`,
      INDEXER_GROUP_ID: indexerGroup,
      HTTP_PORT: await port(),
      HTTP_HOST: '127.0.0.1',
    }), noise, { ...spawnOptions, manifest: 'weaviate-indexer.yaml' });
    const checkerEnv = {
      CONSISTENCY_TOPIC_PREFIX: topicPrefix,
      CONSISTENCY_WEAVIATE_PREFIX: 'Demo',
      CONSISTENCY_MIGRATION_ID: migrationId,
    };
    // The checker service serves the report and the migration dashboard (lag of the demo's two groups); checks run when asked.
    const checkerService = startEntry('consistency-checker', 'consistency-checker', [], env({
      ...checkerEnv,
      CONSISTENCY_DASHBOARD_GROUPS: `${populatorGroup},${indexerGroup}`,
      CONSISTENCY_INTERVAL_SECONDS: '0',
      HTTP_PORT: await port(),
      HTTP_HOST: '127.0.0.1',
    }), noise, { ...spawnOptions, manifest: 'consistency-checker.yaml' });
    services.push(eventStore, populator, indexer, checkerService);
    rss.watch(eventStore, populator, indexer, checkerService);
    await Promise.all([eventStore, populator, indexer, checkerService].map((s) => waitReady(s)));
    const consumersStarted = Date.now();
    console.log('   event-store (API + outbox relay, EVENT_STORE_ENTITY_EVENTS=opportunity), clickhouse-populator, weaviate-indexer, consistency-checker: ready');
    const dashboard = await httpGet(`${checkerService.url}/dashboard`);
    if (dashboard.status === 200 && dashboard.type.startsWith('text/html')) console.log(`   migration dashboard: ${checkerService.url}/dashboard`);
    workload.setEvents(new EventStoreHttpClient(eventStore.url as string, process.env.API_TOKEN));
    console.log('   the application now also appends each opportunity status change to the event store (POST /streams/:id/events)');

    console.log(`   kafka-migrator backfill: ${shards} shards of the Indexed Job, side by side (main.js backfill --json)`);
    const backfillStarted = Date.now();
    const backfill = Array.from({ length: shards }, (_, index) =>
      startEntry(`kafka-migrator-backfill-${index}`, 'kafka-migrator', ['backfill', '--json'], env({
        TOPIC_PREFIX: topicPrefix,
        SHARD_COUNT: String(shards),
        SHARD_INDEX: String(index),
        HOSTNAME: `kafka-migrator-backfill-${index}`,
        // The guard's probe is the monolith's listing page, as the manifests set it (k8s/base/mch-config.env).
        BACKFILL_LATENCY_PROBE_SQL: MONOLITH_LISTING_PROBE_SQL,
      }), noise, { ...spawnOptions, manifest: 'jobs/kafka-migrator-backfill.yaml' }),
    );
    rss.watch(...backfill);
    services.push(...backfill);
    const codes = await Promise.all(backfill.map(runToExit));
    const backfillSeconds = (Date.now() - backfillStarted) / 1000;
    codes.forEach((code, i) => {
      if (code !== 0) throw new Error(`backfill shard ${i} exited ${code}\n${backfill[i].output().slice(-3_000)}`);
    });
    const bf = backfillFigures(backfill.flatMap((b) => b.results()), shards, backfillSeconds);
    for (const [entity, f] of bf.perEntity) {
      const paused = f.throttledSeconds > 0 ? `, shards paused ${f.throttledSeconds.toFixed(1)} s in all for the monolith's latency` : '';
      console.log(`   ${entity}: ${f.published} published, ${f.failed} dead-lettered${paused}`);
    }
    console.log(`   backfill complete in ${backfillSeconds.toFixed(1)} s; the workload keeps writing ${tailSeconds} s more, streamed by change capture`);
    await new Promise((resolve) => setTimeout(resolve, tailSeconds * 1000));

    console.log('6. Drain: the writer stops, change capture reaches the WAL position after its last write, the outbox is relayed, both consumers have no lag');
    await workload.stop();
    const writerStopped = Date.now();
    const barrier = (await stores.pg.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`)).rows[0].lsn;
    await waitUntil('change capture to reach the last write', async () => {
      const slot = await stores.pg.query<{ reached: boolean }>(
        `SELECT confirmed_flush_lsn >= $1::pg_lsn AS reached FROM pg_replication_slots WHERE database = $2 AND slot_type = 'logical'`,
        [barrier, DATABASE],
      );
      return slot.rows[0]?.reached === true;
    }, 120_000, cdc.output);
    const captureDrained = Date.now();
    await waitUntil('the outbox to be relayed', async () => (await outboxByTopic(stores.pg)).every((t) => t.pending === 0), 120_000, eventStore.output);
    await waitForDrain('both consumers to have no lag', async () => {
      const lags = await Promise.all([consumerLag(populator.url as string, populatorGroup), consumerLag(indexer.url as string, indexerGroup)]);
      return lags.includes(null) ? null : (lags as number[]).reduce((a, b) => a + b, 0);
    }, () => `${populator.output().slice(-2_000)}\n${indexer.output().slice(-2_000)}`);
    const caughtUp = Date.now();
    console.log(`   capture drained ${((captureDrained - writerStopped) / 1000).toFixed(1)} s after the last write; every store caught up after ${((caughtUp - writerStopped) / 1000).toFixed(1)} s`);

    const cdcStats = (await cdcStatus()).stats ?? { published: 0, failed: 0 };
    const eventStoreMetrics = await scrape(eventStore.url as string);
    const populatorMetrics = await scrape(populator.url as string);
    const indexerMetrics = await scrape(indexer.url as string);
    const outbox = await outboxByTopic(stores.pg);
    const relayedTo = (topic: string) => outbox.find((t) => t.topic === topic)?.published ?? 0;
    const streamSeconds = (captureDrained - migrationStarted) / 1000;
    const consumeSeconds = (caughtUp - consumersStarted) / 1000;
    const backfilled = [...bf.perEntity.values()].reduce((n, f) => n + f.published, 0);
    const backfillFailed = [...bf.perEntity.values()].reduce((n, f) => n + f.failed, 0);
    // No series yet means none was counted (the counter appears with its first dead letter).
    const deadLetters = [populatorMetrics, indexerMetrics].reduce((n, m) => n + samplesOf(m, 'mch_dead_letters_total').reduce((a, s) => a + s.value, 0), 0);
    const stages: StageLine[] = [
      { stage: `kafka-migrator backfill (${shards} shards)`, what: `rows published (${backfillFailed} dead-lettered)`, count: backfilled, seconds: backfillSeconds, unit: 'rows' },
      { stage: 'kafka-migrator change capture', what: `changes streamed (${cdcStats.failed} dead-lettered)`, count: cdcStats.published, seconds: streamSeconds, unit: 'changes' },
      { stage: 'event-store', what: 'domain events appended (HTTP)', count: sumMetric(eventStoreMetrics, 'mch_event_store_events_appended_total'), seconds: (writerStopped - consumersStarted) / 1000, unit: 'events' },
      { stage: 'event-store outbox relay', what: `events relayed to ${EVENT_STORE_TOPIC.name}`, count: relayedTo(`${topicPrefix}${EVENT_STORE_TOPIC.name}`), seconds: consumeSeconds, unit: 'events' },
      { stage: 'event-store outbox relay', what: `entity states relayed to ${ENTITY_TOPICS.opportunity.name}`, count: relayedTo(`${topicPrefix}${ENTITY_TOPICS.opportunity.name}`), seconds: consumeSeconds, unit: 'events' },
      { stage: 'clickhouse-populator', what: 'rows written to ClickHouse', count: sumMetric(populatorMetrics, 'mch_consumer_records_written_total'), seconds: consumeSeconds, unit: 'rows' },
      { stage: 'weaviate-indexer', what: 'objects written to Weaviate', count: sumMetric(indexerMetrics, 'mch_consumer_records_written_total'), seconds: consumeSeconds, unit: 'objects' },
    ];

    console.log('\nWhat each stage did (counts from the services\' /metrics, the CDC status, the backfill results, the outbox)');
    for (const line of renderStages(stages)) console.log(line);
    console.log(`   consumer dead letters: ${deadLetters}`);

    const s = workload.stats;
    const rows = Object.entries(s.rows).map(([t, r]) => `${t} +${r.inserted} ~${r.updated} -${r.deleted}`).join(', ');
    console.log(`\nMonolith workload: ${workload.rowsWritten} rows changed (${rows}), ${s.reads} reads, ${s.eventsAppended} domain events appended, ${s.failures} failed operations, ${s.lateTicks} late ticks`);
    for (const message of s.failureMessages) console.log(`   failed: ${message}`);
    for (const line of renderLatency(workload)) console.log(line);

    console.log('\nStore contents after the run');
    await storeContents(stores, migrationId, topicPrefix);

    console.log('\nEdge rows and how each target holds them (exact, or flagged: typed value clamped/NULL, original kept)');
    const holdings = await edgeHoldings(
      {
        kafkaKeys: (entity) => kafkaLiveKeys(stores.kafka, `${topicPrefix}${ENTITY_TOPICS[entity].name}`, migrationId),
        clickhouse: stores.clickhouse,
        weaviate: stores.weaviate,
        collections: DEMO_COLLECTIONS,
      },
      loaded.edgeCases,
    );
    for (const line of renderEdgeHoldings(holdings)) console.log(line);

    // Everything written before this instant has reached every store, so nothing is in flight.
    const watermark = new Date().toISOString();
    console.log('\n7. Consistency check across the four stores, all five entities against every target (consistency-checker main.js check; rows changed up to the drain included)');
    const checker = startEntry('consistency-checker check', 'consistency-checker', ['check', '--format', 'table'], env({
      ...checkerEnv,
      CONSISTENCY_WATERMARK: watermark,
      CONSISTENCY_IN_FLIGHT_LAG_SECONDS: '0',
    }), noise, { ...spawnOptions, manifest: 'jobs/consistency-checker.yaml' });
    const stdout: string[] = [];
    checker.child.stdout?.on('data', (c: Buffer) => stdout.push(c.toString()));
    rss.watch(checker);
    const verdict = await runToExit(checker);
    const migrationSeconds = (Date.now() - migrationStarted) / 1000;
    console.log(stdout.join('').trim());
    // The checker's exit codes (docs/consistency-checker.md): 0 consistent, 4 consistent except
    // dead-lettered rows, 1 unexplained discrepancies, 2 bad arguments, 3 a store unreadable.
    const verdicts: Record<number, string> = {
      0: 'CONSISTENT - every store agrees with PostgreSQL.',
      4: 'DEAD-LETTERED - every other row agrees; the dead-lettered rows are listed above (kafka-migrator replay-dead-letters after the fix).',
      3: 'UNREADABLE - a store could not be read; see the report above.',
    };
    // Verdict and noise count stay the last two lines (the runbook's rehearsal step reads them with tail -n 2).
    const peakRssMiB = await rss.stop();
    console.log(`\nPeak memory (RSS high-water mark): ${peakRssMiB.map(([name, mib]) => `${name} ${mib.toFixed(0)} MiB`).join(', ')}`);
    console.log(`Migration from change capture's start to the verdict: ${migrationSeconds.toFixed(0)} s`);
    console.log(`Verdict: ${verdicts[verdict ?? -1] ?? 'INCONSISTENT - see the report above.'}`);
    console.log(`Warning and error lines printed by the run's processes: ${noise.lines.length}`);
    return {
      exitCode: verdict === 0 && noise.lines.length === 0 && s.failures === 0 ? 0 : 1,
      verdict,
      loadSeconds,
      migrationSeconds,
      readP99Ms: { before: workload.summary('before', 'read')?.p99Ms ?? null, during: workload.summary('during', 'read')?.p99Ms ?? null },
      peakRssMiB,
      noiseLines: noise.lines.length,
      workloadFailures: s.failures,
      rowsLoaded: Object.values(loaded.counts).reduce((n, c) => n + Number(c), 0),
    };
  } finally {
    unregisterCleanup();
    await cleanup();
  }
}

if (require.main === module) {
  runDemo().then(
    (outcome) => {
      process.exitCode = outcome.exitCode;
    },
    (error: unknown) => {
      console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
