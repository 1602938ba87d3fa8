import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS } from '../check/consistency-check';
import type { PairReport } from '../report/consistency-report';
import { migrateIntoStores, type MigratedStores } from '../testing/migrated-stores';

/**
 * Issue #12 items 1 and 4, Weaviate side: the monolith's edge rows (years 0001, 1969 with
 * microseconds, 2106, 9999, BC, ±infinity, NaN and largest amounts, emoji, a 3 MiB description)
 * migrated through the kafka-migrator's reader and the indexer's sink are all Weaviate objects, the
 * values Weaviate cannot hold are flagged, and the checker's postgres/weaviate pairs match them.
 */
const logger = createLogger({ service: 'weaviate-exact-values-it', level: 'error', sink: () => undefined });

describe('Weaviate holds every edge row, content-checked against PostgreSQL (real stores)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let stores: MigratedStores;

  beforeAll(async () => {
    db = await createMigratedDatabase('weaviate_exact', { load: { opportunities: 30, seed: 23, edgeCases: true } });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'weaviate-exact-values-it', logger });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    stores = await migrateIntoStores(db.pool, kafka, weaviate, 'wvexact', {
      entities: ['opportunity', 'contract_document'],
      chunkRows: 200,
      vectorDimensions: 16,
    });
  }, 240_000);
  afterAll(async () => {
    await stores?.close();
    await weaviate?.close();
    await db?.drop();
  }, 120_000);

  it('every row is an object, edge values flagged with their original text, and both pairs match', async () => {
    const ids = async (table: string) =>
      (await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM ${table} ORDER BY id`)).rows.map((r) => r.id);
    const opportunities = weaviate.collections.use(stores.names.opportunity);
    const all = await opportunities.query.fetchObjects({ limit: 1_000, returnProperties: ['lossyFields', 'rawValues'] });
    expect(all.objects.map((o) => o.uuid).sort()).toEqual(await ids('opportunities'));
    const documents = await weaviate.collections.use(stores.names.contractDocument).aggregate.overAll();
    expect(documents.totalCount).toBe((await ids('contract_documents')).length);

    // The edge rows really reached Weaviate as flagged values (not a comparison of ordinary rows only).
    const raw = all.objects.flatMap((o) => (typeof o.properties.rawValues === 'string' ? [JSON.parse(o.properties.rawValues)] : []));
    const originals = raw.flatMap((r: Record<string, unknown>) => Object.values(r));
    expect(originals).toEqual(expect.arrayContaining(['0001-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z', 'infinity', '-infinity']));
    expect(originals.some((o) => typeof o === 'string' && o.startsWith('-0000'))).toBe(true);

    const report = await new ConsistencyChecker(stores.stores).run({
      ...DEFAULT_CHECK_OPTIONS,
      entities: ['opportunity', 'contract_document'],
      targets: ['weaviate'],
      topicFor: (entity) => stores.topicFor(entity),
      migrationId: stores.run.migrationId,
      watermark: new Date(),
      kafkaTimeoutMs: 60_000,
      logger,
    });
    const pairs = report.entities.flatMap((e) => e.pairs.map((p): [string, PairReport] => [e.entity, p]));
    expect(pairs.map(([entity, p]) => `${entity}/${p.target}`)).toEqual(['opportunity/weaviate', 'contract_document/weaviate']);
    for (const [entity, p] of pairs) {
      expect({ entity, discrepancies: p.discrepancies, missing: p.missing.ids, different: p.different.ids, extra: p.extra.ids }).toEqual({
        entity,
        discrepancies: 0,
        missing: [],
        different: [],
        extra: [],
      });
    }
    // Content-checked, not counted: the dates and texts carrying the edge values are compared.
    expect(pairs[0][1].fields).toEqual(expect.arrayContaining(['title', 'description', 'postedDate', 'responseDeadline', 'archiveDate', 'updatedAt']));
    expect(pairs[1][1].fields).toEqual(expect.arrayContaining(['fileName', 'requirements', 'createdAt', 'opportunityId']));
    expect(report.passed).toBe(true);
  }, 240_000);
});
