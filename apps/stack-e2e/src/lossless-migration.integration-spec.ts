import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, migrationIdOfRun, type MigratedEntity } from '@mch/contracts';
import { analyticsTableFor } from '@mch/data-clickhouse-analytics';
import { allCollections, indexCollectionNames } from '@mch/data-weaviate-index';
import { createClickHouse } from '@mch/infra-clickhouse';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, freePort, readWholeTopic, runEntry, type MigratedDatabase } from '@mch/testing-stack';
import { clickhouseEnvSchema, kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { FixtureContext, fixtureSizes, generateEdgeCaseRows } from '@mch/monolith-fixture';
import { startLiveWriter } from './support/live-writer';
import { startService, waitFor, type ServiceProcess } from './support/service-process';
import { waitReady } from './support/api-services';

const ENTITIES = Object.keys(ENTITY_TOPICS) as MigratedEntity[];
const SEED = 12;
const OPPORTUNITIES = 200;
/** The fixture's edge rows for this seed and size (the same pure function the loader uses). */
const EDGE_CASES = generateEdgeCaseRows(new FixtureContext(SEED, fixtureSizes(OPPORTUNITIES))).cases;
/** Where each entity goes: Kafka all five, ClickHouse those with an analytics table, Weaviate two. */
const TARGETS: Record<MigratedEntity, string[]> = {
  opportunity: ['kafka', 'clickhouse', 'weaviate'],
  proposal: ['kafka', 'clickhouse'],
  contract_document: ['kafka', 'clickhouse', 'weaviate'],
  company: ['kafka'],
  usage_record: ['kafka', 'clickhouse'],
};
const TABLE_ENTITY: Record<string, MigratedEntity> = Object.fromEntries(
  ENTITIES.map((e) => [ENTITY_TOPICS[e].table, e]),
);

/** Committed offsets of a group have reached the topics' end offsets on every partition. */
async function caughtUp(kafka: Kafka, groupId: string, topics: string[]): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        if (end.high === end.low) continue;
        const at = mine.find((p) => p.partition === end.partition)?.offset ?? '-1';
        if (BigInt(at) < BigInt(end.high)) return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Issue #12's acceptance test: a monolith holding every edge case (fixture edgeCases), migrated
 * through the services' own entry points (kafka-migrator stream service + backfill Job,
 * clickhouse-populator, weaviate-indexer) while a live writer inserts, updates and deletes rows in
 * all five tables; afterwards every row is in every target store it belongs to and the
 * consistency checker's CLI passes with nothing unexplained, nothing dead-lettered, nothing in
 * flight, for all five entities and every pair.
 */
describe('lossless migration of edge-case rows under a live writer (all entities, all targets)', () => {
  const run = `lossless-${randomUUID().slice(0, 8)}`;
  const prefix = `${run}.`;
  const collectionPrefix = `Lossless${randomUUID()
    .slice(0, 8)
    .replace(/[^a-z0-9]/gi, '')}`;
  const chDatabase = `e2e_${run.replace(/-/g, '_')}`;
  const migrationId = migrationIdOfRun(run);
  const quiet = createLogger({ service: 'e2e', level: 'error', sink: () => undefined });
  const kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'lossless-e2e', logger: quiet });
  const chConfig = loadConfig(clickhouseEnvSchema);
  let clickhouse: ClickHouseClient;
  let weaviate: WeaviateClient;
  let db: MigratedDatabase;
  const services: ServiceProcess[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createMigratedDatabase('lossless_e2e', {
      load: { opportunities: OPPORTUNITIES, seed: SEED, edgeCases: true },
    });
    const admin = createClickHouse(chConfig, { applicationName: 'lossless-e2e', logger: quiet });
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${chDatabase}` });
    await admin.close();
    clickhouse = createClickHouse(
      { ...chConfig, CLICKHOUSE_DATABASE: chDatabase },
      { applicationName: 'lossless-e2e', logger: quiet },
    );
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    env = {
      ...process.env,
      PGDATABASE: db.name,
      CLICKHOUSE_DATABASE: chDatabase,
      MIGRATION_RUN: run,
      LOG_LEVEL: 'warn',
    };
  }, 180_000);

  afterAll(async () => {
    for (const service of services) await service.stop();
    await runEntry('apps/kafka-migrator/src/main.ts', ['teardown-capture'], env ?? process.env).catch(
      () => undefined,
    );
    await db?.drop();
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${chDatabase}` }).catch(() => undefined);
    await clickhouse?.close();
    for (const name of allCollections(indexCollectionNames(collectionPrefix)))
      await weaviate?.collections.delete(name).catch(() => undefined);
    await weaviate?.close();
    const admin = kafka.admin();
    await admin.connect();
    const own = (await admin.listTopics()).filter(
      (t) => t.startsWith(prefix) || t.startsWith(`dlq.${prefix}`),
    );
    await admin.deleteTopics({ topics: own }).catch(() => undefined);
    await admin.disconnect();
  }, 120_000);

  it('lands every row, edge values included, in every target it belongs to, and the checker passes with 0 unexplained', async () => {
    // 1. Change capture first (the service), so nothing written from now on is missed.
    const migrator = startService('kafka-migrator', await freePort(), {
      ...env,
      ENTITIES: ENTITIES.join(','),
      CAPTURE_MODE: 'logical',
      TOPIC_PREFIX: prefix,
    });
    services.push(migrator);
    await waitReady(migrator);

    // 2. The sinks consume live while the backfill and the writer run.
    const populator = startService('clickhouse-populator', await freePort(), {
      ...env,
      CLICKHOUSE_POPULATOR_TOPIC_PREFIX: prefix,
      CLICKHOUSE_POPULATOR_GROUP_ID: `${run}-clickhouse`,
    });
    const indexer = startService('weaviate-indexer', await freePort(), {
      ...env,
      WEAVIATE_COLLECTION_PREFIX: collectionPrefix,
      INDEXER_OPPORTUNITY_TOPIC: `${prefix}${ENTITY_TOPICS.opportunity.name}`,
      INDEXER_DOCUMENT_TOPIC: `${prefix}${ENTITY_TOPICS.contract_document.name}`,
      INDEXER_GROUP_ID: `${run}-weaviate`,
    });
    services.push(populator, indexer);

    // 3. The live writer throughout the backfill Job.
    const keep = EDGE_CASES.map((c) => c.id);
    const writer = startLiveWriter(db.pool, run, keep);
    await Promise.all([waitReady(populator), waitReady(indexer)]);
    const job = await runEntry('apps/kafka-migrator/src/main.ts', [], {
      ...env,
      MIGRATOR_MODE: 'backfill',
      ENTITIES: ENTITIES.join(','),
      CAPTURE_MODE: 'logical',
      TOPIC_PREFIX: prefix,
    });
    expect({
      code: job.code,
      tail: job.code === 0 ? '' : job.stderr.slice(-3000) + job.stdout.slice(-3000),
    }).toEqual({ code: 0, tail: '' });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const written = await writer.stop();
    expect(written.errors).toEqual([]);
    expect(written.transactions).toBeGreaterThan(5);

    // 4. Everything captured is on the topics (a marker written last arrives last), and both sinks
    //    have committed up to the topics' ends.
    const marker = await db.pool.query<{ id: string }>(
      `INSERT INTO companies (name, created_at, updated_at) VALUES ('marker ${run}', now() - interval '1 second', now() - interval '1 second') RETURNING id::text AS id`,
    );
    const companyTopic = `${prefix}${ENTITY_TOPICS.company.name}`;
    await waitFor(
      'the marker on its topic',
      async () => (await readWholeTopic(kafka, companyTopic)).some((m) => m.key === marker.rows[0]?.id),
      120_000,
    );
    const topics = (entities: MigratedEntity[]) => entities.map((e) => `${prefix}${ENTITY_TOPICS[e].name}`);
    await waitFor(
      'clickhouse-populator caught up',
      () =>
        caughtUp(
          kafka,
          `${run}-clickhouse`,
          topics(['opportunity', 'proposal', 'contract_document', 'usage_record']),
        ),
      120_000,
    );
    await waitFor(
      'weaviate-indexer caught up',
      () => caughtUp(kafka, `${run}-weaviate`, topics(['opportunity', 'contract_document'])),
      120_000,
    );
    const watermark = new Date().toISOString();

    // 5. Every edge row is in every target store it belongs to.
    const absent: string[] = [];
    const kafkaKeys = new Map<string, Set<string>>();
    for (const entity of ENTITIES) {
      const keys = new Set<string>();
      for (const m of await readWholeTopic(kafka, `${prefix}${ENTITY_TOPICS[entity].name}`))
        if (m.key) keys.add(m.key);
      kafkaKeys.set(entity, keys);
    }
    for (const edgeCase of EDGE_CASES) {
      const entity = TABLE_ENTITY[edgeCase.table] as MigratedEntity;
      for (const target of TARGETS[entity]) {
        if (!(await holds(target, entity, edgeCase.id)))
          absent.push(`${edgeCase.label} (${edgeCase.id}) ${target}`);
      }
    }
    expect(absent).toEqual([]);

    async function holds(target: string, entity: MigratedEntity, id: string): Promise<boolean> {
      if (target === 'kafka') return kafkaKeys.get(entity)?.has(id) ?? false;
      if (target === 'clickhouse') {
        const table = analyticsTableFor(entity);
        if (!table || !/^[0-9a-f-]{36}$/.test(id)) return false;
        // The legacy server (18.16) has no query parameters; the id is a checked UUID literal.
        const result = await clickhouse.query({
          query: `SELECT count() AS n FROM ${table.name} WHERE toString(${table.idColumn}) = '${id}'`,
          format: 'JSONEachRow',
        });
        return Number((await result.json<{ n: string }>())[0]?.n ?? 0) > 0;
      }
      const names = indexCollectionNames(collectionPrefix);
      if (entity === 'opportunity')
        return (await weaviate.collections.use(names.opportunity).query.fetchObjectById(id)) !== null;
      const documents = weaviate.collections.use(names.contractDocument);
      const found = await documents.query.fetchObjects({
        filters: documents.filter.byProperty('documentId').equal(id),
        limit: 1,
      });
      return found.objects.length > 0;
    }

    // 6. The checker, through its CLI, with every row compared (no lag, watermark after catch-up).
    const check = await runEntry(
      'apps/consistency-checker/src/cli.ts',
      [
        'check',
        '--format',
        'json',
        '--lag-seconds',
        '0',
        '--watermark',
        watermark,
        '--event-store',
        'none',
        '--record',
        'false',
      ],
      {
        ...env,
        CONSISTENCY_TOPIC_PREFIX: prefix,
        CONSISTENCY_WEAVIATE_PREFIX: collectionPrefix,
        CONSISTENCY_MIGRATION_ID: migrationId,
        LOG_LEVEL: 'error',
      },
    );
    const report = JSON.parse(check.stdout) as {
      passed: boolean;
      verdict?: string;
      failures: string[];
      entities: {
        entity: MigratedEntity;
        pairs: {
          target: string;
          mode: string;
          sourceRows: number;
          matched: number;
          missing: { count: number; ids: string[] };
          deadLettered?: { count: number; rows: unknown[] };
          extra: { count: number };
          different: { count: number; samples: unknown[] };
          inFlight: { count: number };
        }[];
      }[];
    };
    const pairs = report.entities.flatMap((e) =>
      e.pairs.map((p) => ({
        pair: `${e.entity} postgres/${p.target}`,
        mode: p.mode,
        matchedAll: p.matched === p.sourceRows,
        missing: p.missing.count,
        deadLettered: p.deadLettered?.count ?? 0,
        extra: p.extra.count,
        different: p.different.count,
        inFlight: p.inFlight.count,
        // Only on failure: which rows, and how their fields differ.
        ...(p.missing.count > 0 ? { missingIds: p.missing.ids.slice(0, 5) } : {}),
        ...(p.different.count > 0 ? { differentSamples: p.different.samples.slice(0, 3) } : {}),
        ...((p.deadLettered?.count ?? 0) > 0 ? { deadLetteredRows: p.deadLettered?.rows.slice(0, 5) } : {}),
      })),
    );
    const expected = ENTITIES.flatMap((entity) =>
      TARGETS[entity].map((target) => ({
        pair: `${entity} postgres/${target}`,
        mode: 'content',
        matchedAll: true,
        missing: 0,
        deadLettered: 0,
        extra: 0,
        different: 0,
        inFlight: 0,
      })),
    );
    // On failure the pairs' differences and the failures say which rows and why.
    expect({ pairs, failures: report.failures }).toEqual({ pairs: expected, failures: [] });
    expect(check.code).toBe(0);
    expect(report.passed).toBe(true);
  }, 600_000);
});
