import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { buildMessage, type OutgoingMessage } from '@mch/data-kafka-migration';
import { changeEnvelope } from '@mch/data-clickhouse-analytics/testing';
import { CheckpointStore } from '@mch/data-checkpoints';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { currentPosition, migrateIntoStores, type MigratedStores } from '../testing/migrated-stores';
import { traceLineage } from '../lineage/lineage';
import { CheckRunRepository } from '../runs/check-run.repository';
import { renderReportTable } from '../report/report-table';
import type { ConsistencyReport, PairReport } from '../report/consistency-report';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS, type ConsistencyCheckOptions } from './consistency-check';
import { migrationWatermark } from './in-flight';

const logger = createLogger({ service: 'consistency-it', level: 'error', sink: () => undefined });
const pair = (report: ConsistencyReport, entity: string, target: string): PairReport => {
  const found = report.entities.find((e) => e.entity === entity)?.pairs.find((p) => p.target === target);
  if (!found) throw new Error(`no ${entity} postgres/${target} pair in the report`);
  return found;
};

describe('consistency check across PostgreSQL, Kafka, ClickHouse and Weaviate (real stores)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let stores: MigratedStores;
  let checker: ConsistencyChecker;
  let updated: string;
  let updateMessage: OutgoingMessage;
  let watermark: Date;
  const options = (patch: Partial<ConsistencyCheckOptions> = {}): ConsistencyCheckOptions => ({
    ...DEFAULT_CHECK_OPTIONS,
    entities: ['opportunity', 'contract_document'],
    topicFor: (entity) => stores.topicFor(entity),
    migrationId: stores.run.migrationId,
    watermark,
    kafkaTimeoutMs: 60_000,
    logger,
    ...patch,
  });

  beforeAll(async () => {
    db = await createMigratedDatabase('consistency_check', { load: { opportunities: 1_500, seed: 31 } });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'consistency-it', logger });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    stores = await migrateIntoStores(db.pool, kafka, weaviate, 'check', {
      entities: ['opportunity', 'contract_document'],
      chunkRows: 500,
      vectorDimensions: 32,
    });
    // A row changed after its snapshot was published: the change reaches every store as a second version.
    updated = (
      await db.pool.query<{ id: string }>(
        `SELECT id::text AS id FROM opportunities ORDER BY id OFFSET 40 LIMIT 1`,
      )
    ).rows[0].id;
    await db.pool.query(
      `UPDATE opportunities SET title = 'Updated after the snapshot', updated_at = now() WHERE id = $1`,
      [updated],
    );
    updateMessage = await changeEnvelope(
      db.pool,
      'opportunity',
      updated,
      'update',
      await currentPosition(db.pool),
      stores.run,
    );
    await stores.deliver([updateMessage]);
    watermark = new Date();
    checker = new ConsistencyChecker(stores.stores);
  }, 180_000);
  afterAll(async () => {
    await stores?.close();
    await weaviate?.close();
    await db?.drop();
  }, 180_000);

  it('after a clean migration every check passes: same rows and same fields in all four stores, counts equal', async () => {
    const report = await checker.run(
      options({
        eventStore: { from: null, to: null, maxListed: 10, failOnPositionGaps: true, table: 'event_store' },
      }),
    );
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(true);
    const opportunities = Number((await db.pool.query(`SELECT count(*) AS n FROM opportunities`)).rows[0].n);
    const documents = Number((await db.pool.query(`SELECT count(*) AS n FROM contract_documents`)).rows[0].n);
    expect(report.entities.find((e) => e.entity === 'opportunity')?.counts).toEqual({
      postgres: opportunities,
      kafka: opportunities,
      clickhouse: opportunities,
      weaviate: opportunities,
    });
    expect(report.entities.find((e) => e.entity === 'contract_document')?.counts).toEqual({
      postgres: documents,
      kafka: documents,
      clickhouse: documents,
      weaviate: documents,
    });
    for (const p of report.entities.flatMap((e) => e.pairs)) {
      expect({
        target: p.target,
        discrepancies: p.discrepancies,
        rate: p.discrepancyRate,
        inFlight: p.inFlight.count,
      }).toEqual({ target: p.target, discrepancies: 0, rate: 0, inFlight: 0 });
      expect(p.fields.length).toBeGreaterThan(3);
    }
    // The profiles really cover the fields each store holds (not an empty comparison).
    expect(pair(report, 'opportunity', 'kafka').fields).toEqual(
      expect.arrayContaining([
        'title',
        'description',
        'noticeType',
        'awardAmount',
        'postedDate',
        'updatedAt',
      ]),
    );
    expect(pair(report, 'opportunity', 'clickhouse').fields).toEqual(
      expect.arrayContaining(['title', 'awardAmount', 'postedDate', 'updatedAt']),
    );
    expect(pair(report, 'opportunity', 'weaviate').fields).toEqual(
      expect.arrayContaining(['title', 'description', 'postedDate', 'updatedAt']),
    );
    expect(pair(report, 'contract_document', 'weaviate').fields).toEqual(
      expect.arrayContaining(['requirements', 'fileName']),
    );

    const counts = await checker.run(options({ mode: 'counts' }));
    expect(counts.passed).toBe(true);
    expect(pair(counts, 'opportunity', 'weaviate')).toMatchObject({
      mode: 'counts',
      sourceRows: opportunities,
      targetRows: opportunities,
      discrepancies: 0,
    });
  });

  it('reports each planted difference with its id, store and kind, and a row inserted after the watermark as in flight only', async () => {
    const ids = (
      await db.pool.query<{ id: string }>(
        `SELECT id::text AS id FROM opportunities WHERE id <> $1 ORDER BY id LIMIT 2`,
        [updated],
      )
    ).rows.map((r) => r.id);
    const [deletedInClickHouse, alteredInWeaviate] = ids;
    // ClickHouse: the row's stored versions removed (a mutation; 18.16 runs it asynchronously).
    await stores.clickhouse.client.command({
      query: `ALTER TABLE opportunity_events DELETE WHERE opportunity_id = toUUID('${deletedInClickHouse}')`,
    });
    for (let i = 0; i < 100; i++) {
      const [row] = await (
        await stores.clickhouse.client.query({
          query: `SELECT count() AS n FROM opportunity_events WHERE opportunity_id = toUUID('${deletedInClickHouse}')`,
          format: 'JSONEachRow',
        })
      ).json<{ n: string }>();
      if (Number(row.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Weaviate: one property altered.
    await weaviate.collections
      .use(stores.names.opportunity)
      .data.update({ id: alteredInWeaviate, properties: { agency: 'ALTERED AGENCY' } });
    // Kafka: a copy of the topic without the latest version of one key (its update).
    const dropped = await stores.createTopic('dropped', 4);
    const messages = await readWholeTopic(kafka, stores.topicFor('opportunity'));
    await stores.produce(
      dropped,
      messages
        .filter((m) => !(m.key === updated && m.value !== null && m.value.includes(updateMessage.eventId)))
        .map((m) => ({
          topic: dropped,
          key: String(m.key),
          value: String(m.value),
          headers: m.headers,
          eventId: '',
        })),
    );
    // PostgreSQL: a row inserted after the watermark, not migrated yet.
    const inserted = randomUUID();
    await db.pool.query(
      `INSERT INTO opportunities SELECT (jsonb_populate_record(NULL::opportunities, to_jsonb(o) || jsonb_build_object(
         'id', $1::uuid, 'notice_id', 'LATE-' || $1, 'created_at', now(), 'updated_at', now()))).* FROM opportunities o WHERE o.id = $2`,
      [inserted, ids[1]],
    );
    try {
      const report = await checker.run(
        options({
          entities: ['opportunity'],
          topicFor: (entity) => (entity === 'opportunity' ? dropped : stores.topicFor(entity)),
        }),
      );
      expect(report.passed).toBe(false);
      const inFlight = [{ id: inserted, kind: 'missing', changedAt: expect.any(String) }];

      const k = pair(report, 'opportunity', 'kafka');
      expect({
        missing: k.missing,
        extra: k.extra,
        different: k.different.ids,
        inFlight: k.inFlight.rows,
        discrepancies: k.discrepancies,
      }).toEqual({
        missing: { count: 0, ids: [] },
        extra: { count: 0, ids: [] },
        different: [updated],
        inFlight,
        discrepancies: 1,
      });
      expect(k.different.samples).toEqual([
        {
          id: updated,
          fields: expect.arrayContaining([
            {
              field: 'title',
              source: 'Updated after the snapshot',
              target: expect.not.stringMatching(/^Updated after the snapshot$/),
            },
          ]),
        },
      ]);
      expect(k.different.samples[0].fields.map((f) => f.field).sort()).toEqual(['title', 'updatedAt']);

      const c = pair(report, 'opportunity', 'clickhouse');
      expect({
        missing: c.missing.ids,
        extra: c.extra.count,
        different: c.different.count,
        inFlight: c.inFlight.rows,
        discrepancies: c.discrepancies,
      }).toEqual({
        missing: [deletedInClickHouse],
        extra: 0,
        different: 0,
        inFlight,
        discrepancies: 1,
      });

      const w = pair(report, 'opportunity', 'weaviate');
      expect({
        missing: w.missing.count,
        extra: w.extra.count,
        different: w.different.ids,
        inFlight: w.inFlight.rows,
        discrepancies: w.discrepancies,
      }).toEqual({
        missing: 0,
        extra: 0,
        different: [alteredInWeaviate],
        inFlight,
        discrepancies: 1,
      });
      expect(w.different.samples).toEqual([
        {
          id: alteredInWeaviate,
          fields: [{ field: 'agency', source: expect.any(String), target: 'ALTERED AGENCY' }],
        },
      ]);
      // 1 of 1,501 rows is 0.067%: above the plan's 0.01%, below its absolute 100.
      expect(w.reasons).toEqual([
        expect.stringContaining('discrepancy rate 0.0666% reaches the limit of 0.0100%'),
      ]);
      expect(renderReportTable(report)).toContain(`${alteredInWeaviate} agency:`);

      // The same differences with a lag that covers the late row's insert still count the others.
      const lenient = await checker.run(
        options({
          entities: ['opportunity'],
          watermark: null,
          inFlightLagMs: 0,
          thresholds: { maxDiscrepancies: 100, maxDiscrepancyRate: 1 },
        }),
      );
      expect(pair(lenient, 'opportunity', 'weaviate').missing.ids).toEqual([inserted]);
    } finally {
      await db.pool.query(`DELETE FROM opportunities WHERE id = $1`, [inserted]);
    }
  });

  it('a store that cannot be read fails the check with the reason, never as an empty store', async () => {
    const report = await checker.run(
      options({ entities: ['opportunity'], topicFor: () => `it.consistency.absent.${randomUUID()}` }),
    );
    const k = pair(report, 'opportunity', 'kafka');
    expect(k).toMatchObject({
      passed: false,
      discrepancies: null,
      discrepancyRate: null,
      targetRows: null,
      error: { store: 'kafka' },
    });
    expect(report.passed).toBe(false);
    expect(report.failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^opportunity postgres\/kafka: kafka could not be read: /),
      ]),
    );

    const noWeaviate = new ConsistencyChecker({
      ...stores.stores,
      weaviate: {
        client: weaviate,
        names: { ...stores.names, opportunity: `Absent${randomUUID().slice(0, 8)}` },
      },
    });
    const w = pair(
      await noWeaviate.run(options({ entities: ['opportunity'], targets: ['weaviate'] })),
      'opportunity',
      'weaviate',
    );
    expect(w).toMatchObject({ passed: false, discrepancies: null, error: { store: 'weaviate' } });
  });

  it('counts only the given migration on the topic; other runs and undecodable messages do not mix in', async () => {
    const other = buildMessage(
      {
        entity: 'opportunity',
        operation: 'snapshot',
        key: randomUUID(),
        row: null,
        position: 'lsn:0000000000000001',
      },
      { ...stores.run, migrationId: randomUUID() },
    );
    await stores.produce(stores.topicFor('opportunity'), [
      { ...other, value: other.value.replace('"data":null', '"data":{"id":"x"}') },
    ]);
    const report = await checker.run(options({ entities: ['opportunity'], targets: ['kafka'] }));
    expect(pair(report, 'opportunity', 'kafka')).toMatchObject({ discrepancies: 0, extra: { count: 0 } });

    await stores.produce(stores.topicFor('opportunity'), [
      { topic: '', key: randomUUID(), value: 'not json', headers: {}, eventId: '' },
    ]);
    const bad = await checker.run(options({ entities: ['opportunity'], targets: ['kafka'] }));
    expect(bad.entities[0].undecodableMessages).toMatchObject({
      count: 1,
      samples: [{ reason: 'value is not JSON' }],
    });
    expect(bad.passed).toBe(false);
  });

  it('lineage shows where one id is in each store with its source position and correlation id', async () => {
    const lineage = await traceLineage(
      {
        pool: db.pool,
        kafka,
        topic: stores.topicFor('opportunity'),
        clickhouse: stores.clickhouse.client,
        weaviate: { client: weaviate, names: stores.names },
        kafkaTimeoutMs: 60_000,
      },
      'opportunity',
      updated,
    );
    expect(lineage.errors).toEqual([]);
    expect(lineage.postgres).toMatchObject({ present: true });
    const position = JSON.parse(updateMessage.value).metadata.sourcePosition as string;
    expect(lineage.kafka?.versions.map((v) => v.operation)).toEqual(['snapshot', 'update']);
    expect(lineage.kafka?.versions.at(-1)).toMatchObject({
      sourcePosition: position,
      correlationId: stores.run.correlationId,
      migrationId: stores.run.migrationId,
    });
    expect(lineage.clickhouse?.versions.at(-1)).toMatchObject({
      sourcePosition: position,
      correlationId: stores.run.correlationId,
      isDeleted: false,
    });
    expect(lineage.weaviate?.object).toMatchObject({
      sourcePosition: position,
      correlationId: stores.run.correlationId,
      title: 'Updated after the snapshot',
    });
  });

  it('records runs so a dashboard can show history, and derives the watermark from the migration state', async () => {
    const repository = new CheckRunRepository(db.pool);
    const report = await checker.run(options({ entities: ['opportunity'], targets: ['clickhouse'] }));
    await repository.record(report);
    expect((await repository.latest())?.runId).toBe(report.runId);
    const [row] = await repository.history(1);
    expect(row).toMatchObject({
      id: report.runId,
      mode: 'content',
      entities: ['opportunity'],
      status: report.passed ? 'passed' : 'failed',
      verdict: report.verdict,
      deadLettered: report.deadLettered,
    });
    const pairs = await db.pool.query(
      `SELECT entity, target_store, source_rows, target_rows FROM consistency_check_pairs WHERE run_id = $1`,
      [report.runId],
    );
    expect(pairs.rows).toEqual([
      {
        entity: 'opportunity',
        target_store: 'clickhouse',
        source_rows: String(report.entities[0].pairs[0].sourceRows),
        target_rows: String(report.entities[0].pairs[0].targetRows),
      },
    ]);

    const checkpoints = new CheckpointStore(db.pool);
    const migrationId = randomUUID();
    await checkpoints.start(`it-watermark:${migrationId}`, 'opportunity', { migrationId });
    await checkpoints.complete(`it-watermark:${migrationId}`);
    const state = await db.pool.query<{ completed_at: Date }>(
      `SELECT completed_at FROM data_migration_state WHERE migration_name = $1`,
      [`it-watermark:${migrationId}`],
    );
    expect(await migrationWatermark(db.pool, migrationId)).toEqual(state.rows[0].completed_at);
    expect(await migrationWatermark(db.pool, randomUUID())).toBeNull();
  });
});
