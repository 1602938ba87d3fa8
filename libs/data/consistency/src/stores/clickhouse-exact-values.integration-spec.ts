import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, type EventEnvelope, type MigratedEntity } from '@mch/contracts';
import {
  PROBE_QUERIES,
  analyticsTableFor,
  capabilitiesFromProbe,
  createTableDdl,
  insertColumnNames,
  lossyRows,
  toAnalyticsRow,
  type AnalyticsTable,
} from '@mch/data-clickhouse-analytics';
import { runChdb, sourceEnvelopes } from '@mch/data-clickhouse-analytics/testing';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS } from '../check/consistency-check';
import { clickhouseProfile, type ClickHouseProfile } from '../profiles/clickhouse-profile';
import type { PairReport } from '../report/consistency-report';
import { chCanonicalFields } from '../sql/clickhouse-canonical.sql';
import { migrateIntoStores, type MigratedStores } from '../testing/migrated-stores';
import { ClickHouseEntitySource } from './clickhouse.source';
import { PostgresEntitySource } from './postgres.source';

/**
 * Issue #12 items 1 and 4, ClickHouse side: the monolith's edge rows (years 0001, 1969 with
 * microseconds, 2106, 9999, BC, ±infinity, NaN, Infinity and 10^30 amounts, emoji) migrated
 * through the kafka-migrator's reader and the ClickHouse row encoding are all rows, the values
 * a column cannot hold are flagged with their original text, and the postgres/clickhouse pairs
 * match them: on the 18.16 server through the checker, and on a current engine (chDB) by the
 * same canonical SQL.
 */
const logger = createLogger({ service: 'clickhouse-exact-values-it', level: 'error', sink: () => undefined });
const ENTITIES: MigratedEntity[] = ['opportunity', 'proposal', 'contract_document', 'usage_record'];

describe('ClickHouse holds every edge row, content-checked against PostgreSQL (real stores)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let stores: MigratedStores;
  const extreme = { infinity: '', overflow: '', minusInfinity: '' };

  beforeAll(async () => {
    db = await createMigratedDatabase('clickhouse_exact', { load: { opportunities: 30, seed: 29, edgeCases: true } });
    // numeric(15,2) holds NaN but not ±Infinity or 10^30: the amount column made unconstrained, as
    // another deployment's schema may have it, so every numeric value ClickHouse cannot hold occurs.
    await db.pool.query(`ALTER TABLE opportunities ALTER COLUMN award_amount TYPE numeric`);
    const { rows } = await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM opportunities WHERE award_amount IS NOT NULL AND award_amount <> 'NaN' ORDER BY id LIMIT 3`);
    [extreme.infinity, extreme.overflow, extreme.minusInfinity] = rows.map((r) => r.id);
    await db.pool.query(
      `UPDATE opportunities SET award_amount = CASE id WHEN $1::uuid THEN 'Infinity'::numeric WHEN $2::uuid THEN 1e30 ELSE '-Infinity'::numeric END WHERE id IN ($1, $2, $3)`,
      [extreme.infinity, extreme.overflow, extreme.minusInfinity],
    );
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'clickhouse-exact-values-it', logger });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    stores = await migrateIntoStores(db.pool, kafka, weaviate, 'chexact', { entities: ENTITIES, chunkRows: 200, vectorDimensions: 16 });
  }, 240_000);
  afterAll(async () => {
    await stores?.close();
    await weaviate?.close();
    await db?.drop();
  }, 120_000);

  it('every row is stored, the edge values flagged with their original text, and the four postgres/clickhouse pairs match', async () => {
    for (const entity of ENTITIES) {
      const table = analyticsTableFor(entity) as AnalyticsTable;
      const source = (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ENTITY_TOPICS[entity].table}`)).rows[0].n;
      const query = `SELECT toString(uniqExact(${table.idColumn})) AS n FROM ${table.name}`;
      const [stored] = await (await stores.clickhouse.client.query({ query, format: 'JSONEachRow' })).json<{ n: string }>();
      expect([entity, Number(stored.n)]).toEqual([entity, source]);
    }
    const flagged = await lossyRows(stores.clickhouse.client, analyticsTableFor('opportunity') as AnalyticsTable);
    const originals = flagged.flatMap((r) => Object.values(r.rawValues));
    expect(originals).toEqual(
      expect.arrayContaining(['0001-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z', 'infinity', '-infinity', 'NaN', 'Infinity', '-Infinity']),
    );
    expect(originals.some((o) => o.startsWith('-0000'))).toBe(true);
    expect(flagged.find((r) => r.id === extreme.overflow)?.rawValues).toEqual({ award_amount: '1000000000000000000000000000000' });

    const report = await new ConsistencyChecker(stores.stores).run({
      ...DEFAULT_CHECK_OPTIONS,
      entities: ENTITIES,
      targets: ['clickhouse'],
      topicFor: (entity) => stores.topicFor(entity),
      migrationId: stores.run.migrationId,
      watermark: new Date(),
      kafkaTimeoutMs: 60_000,
      logger,
    });
    const pairs = report.entities.flatMap((e) => e.pairs.map((p): [string, PairReport] => [e.entity, p]));
    expect(pairs.map(([entity, p]) => `${entity}/${p.target}`)).toEqual(ENTITIES.map((e) => `${e}/clickhouse`));
    for (const [entity, p] of pairs) {
      expect({ entity, discrepancies: p.discrepancies, missing: p.missing.ids, different: p.different.ids, extra: p.extra.ids }).toEqual({
        entity,
        discrepancies: 0,
        missing: [],
        different: [],
        extra: [],
      });
    }
    // Content-checked: the flagged columns are among the compared fields.
    expect(pairs[0][1].fields).toEqual(expect.arrayContaining(['awardAmount', 'postedDate', 'responseDeadline', 'archiveDate', 'awardDate', 'createdAt', 'updatedAt']));
  }, 240_000);

  it('gives a flagged field the original text as its canonical text, equal to PostgreSQL field by field (18.16)', async () => {
    const profile = clickhouseProfile('opportunity') as ClickHouseProfile;
    const flagged = await lossyRows(stores.clickhouse.client, profile.table);
    const ids = flagged.map((r) => r.id);
    const pg = await new PostgresEntitySource(db.pool, 'opportunity', [profile.profile]).view(profile.profile).canonicalRows(ids);
    const ch = await new ClickHouseEntitySource(stores.clickhouse.client, stores.caps, profile).canonicalRows(ids);
    expect(ch).toEqual(pg);
    for (const row of flagged)
      for (const [column, original] of Object.entries(row.rawValues)) {
        const at = profile.profile.fields.findIndex((f) => f.stored === column);
        if (at >= 0) expect([row.id, column, ch.get(row.id)?.[at]]).toEqual([row.id, column, original.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')]);
      }
  });

  it('computes the same canonical texts on a current engine (chDB) as PostgreSQL, for every row of the four tables', async () => {
    const probe = runChdb([{ sql: 'CREATE DATABASE analytics ENGINE = Atomic' }, { sql: 'USE analytics' }, ...Object.values(PROBE_QUERIES).map((sql) => ({ sql }))]);
    const answer = (i: number) => (probe.results[i] as { rows: Record<string, unknown>[] }).rows;
    const caps = capabilitiesFromProbe({
      version: String(answer(2)[0].version),
      typeFamilies: answer(3).map((r) => String(r.name)),
      databaseEngine: String(answer(4)[0]?.engine ?? ''),
      mergeTreeSettings: answer(5).map((r) => String(r.name)),
    });
    expect(caps.dateTime64).toBe(true);
    const run = { migrationId: stores.run.migrationId, migrationRun: 'chdb-exact', correlationId: stores.run.correlationId };
    for (const entity of ENTITIES) {
      const profile = clickhouseProfile(entity) as ClickHouseProfile;
      const table = profile.table;
      const lines = (await sourceEnvelopes(db.pool, entity, run)).map((m) => {
        const envelope = JSON.parse(m.value) as EventEnvelope;
        const row = toAnalyticsRow(table, { envelope, data: envelope.data }, caps);
        if (!row.ok) throw new Error(row.error.message);
        return row.line;
      });
      const result = runChdb([
        { sql: 'CREATE DATABASE analytics ENGINE = Atomic' },
        { sql: 'USE analytics' },
        { sql: createTableDdl(table, caps) },
        { sql: `INSERT INTO ${table.name} (${insertColumnNames(table, caps).join(', ')}) FORMAT TabSeparated\n${lines.join('')}` },
        { sql: `SELECT toString(${table.idColumn}) AS id, [${chCanonicalFields(profile, caps).join(', ')}] AS fields FROM ${table.name}` },
      ]);
      const last = result.results[4];
      if (!last?.ok) throw new Error(`chdb: ${JSON.stringify(result.results.at(-1))}`);
      const ch = new Map(last.rows.map((r) => [String(r.id), r.fields as (string | null)[]]));
      const pg = await new PostgresEntitySource(db.pool, entity, [profile.profile]).view(profile.profile).canonicalRows([...ch.keys()]);
      expect([entity, ch.size]).toEqual([entity, lines.length]);
      expect([entity, ch]).toEqual([entity, pg]);
    }
  }, 240_000);
});
