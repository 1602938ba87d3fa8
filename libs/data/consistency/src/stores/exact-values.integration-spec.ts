import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { ENTITY_TOPICS, type EventEnvelope } from '@mch/contracts';
import { CheckpointStore } from '@mch/data-checkpoints';
import { ProcessingLog } from '@mch/data-consumer-loop';
import {
  ChangeStreamer,
  ENTITY_MAX_MESSAGE_BYTES,
  KafkaPublisher,
  LogicalChangeCapture,
  ensureEntityTopics,
  runBackfill,
  type MigrationRunInfo,
} from '@mch/data-kafka-migration';
import { createIdempotentProducer, createKafka } from '@mch/infra-kafka';
import { createMigratedDatabase, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS } from '../check/consistency-check';

/**
 * Issue #12 item 1 on the real stack: rows whose values PostgreSQL holds but Date, doubles or a
 * 1 MB message cannot (years 1, 1969, 2106, 9999 and BC, ±infinity, NaN and ±Infinity amounts,
 * microseconds, a 5 MB description with emoji) reach Kafka through the backfill and through
 * logical change capture with their exact text, and the checker's postgres/kafka pair matches them.
 */
const logger = createLogger({ service: 'exact-values-it', level: 'error', sink: () => undefined });
const PAST = '2026-03-01 10:00:00.000001+00';
/** jsonb numbers a double would change: PostgreSQL prints them so, and so must the event. */
const JSONB_NUMBERS = `{"rate": 1.50, "tokens": 12345678901234567890123, "tiny": 0.0000001, "huge": 1${'0'.repeat(320)}}`;

/** ~5.2 MB of UTF-8 with 4-byte emoji and combining text in it. */
const bigDescription = (tag: string) => `${tag} ${'Sterile surgical kits 🩺💉🧬 — Überprüfung naïve café. '.repeat(90_000)}`;

interface EdgeRow {
  id: string;
  posted: string;
  deadline: string;
  amount: string | null;
  description: string | null;
  created: string;
  expected: { postedDate: string; responseDeadline: string; awardAmount: string | null; createdAt: string };
}

const row = (
  id: string,
  posted: [string, string],
  deadline: [string, string],
  amount: string | null,
  description: string | null = null,
  created: [string, string] = ['2026-01-02 03:04:05.123456+00', '2026-01-02T03:04:05.123456Z'],
): EdgeRow => ({
  id,
  posted: posted[0],
  deadline: deadline[0],
  amount,
  description,
  created: created[0],
  expected: { postedDate: posted[1], responseDeadline: deadline[1], awardAmount: amount, createdAt: created[1] },
});

/** Rows present before the backfill: published as snapshots. */
const BACKFILLED: EdgeRow[] = [
  row('e0000000-0000-4000-8000-000000000001', ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'], ['1969-12-31 23:59:59.999999+00', '1969-12-31T23:59:59.999999Z'], 'NaN'),
  row('e0000000-0000-4000-8000-000000000002', ['2106-02-08 00:00:00+00', '2106-02-08T00:00:00.000Z'], ['9999-12-31 23:59:59.999999+00', '9999-12-31T23:59:59.999999Z'], 'Infinity'),
  row('e0000000-0000-4000-8000-000000000003', ['0044-03-15 00:00:00+00 BC', '-000043-03-15T00:00:00.000Z'], ['infinity', 'infinity'], '-Infinity'),
  row('e0000000-0000-4000-8000-000000000004', ['-infinity', '-infinity'], ['294276-12-31 23:59:59.999999+00', '+294276-12-31T23:59:59.999999Z'], '1234.50'),
  row('e0000000-0000-4000-8000-000000000005', ['2026-01-02 03:04:05.000001+00', '2026-01-02T03:04:05.000001Z'], ['2026-01-02 03:04:05.5+00', '2026-01-02T03:04:05.500Z'], '0.01', bigDescription('backfilled'), ['0001-12-31 23:59:59.999999+00 BC', '0000-12-31T23:59:59.999999Z']),
];

/** Rows inserted while capture streams: published as changes. */
const CAPTURED: EdgeRow[] = [
  row('e0000000-0000-4000-8000-000000000011', ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'], ['1969-12-31 23:59:59.999999+00', '1969-12-31T23:59:59.999999Z'], 'NaN'),
  row('e0000000-0000-4000-8000-000000000012', ['2106-02-08 00:00:00+00', '2106-02-08T00:00:00.000Z'], ['9999-12-31 23:59:59.999999+00', '9999-12-31T23:59:59.999999Z'], 'Infinity'),
  row('e0000000-0000-4000-8000-000000000013', ['0044-03-15 00:00:00+00 BC', '-000043-03-15T00:00:00.000Z'], ['-infinity', '-infinity'], '-Infinity'),
  row('e0000000-0000-4000-8000-000000000014', ['infinity', 'infinity'], ['2026-12-31 23:59:59.999999+00', '2026-12-31T23:59:59.999999Z'], null, bigDescription('captured')),
];

async function insert(db: MigratedDatabase, rows: EdgeRow[]): Promise<void> {
  for (const r of rows)
    await db.pool.query(
      `INSERT INTO opportunities (id, notice_id, title, description, agency, posted_date, response_deadline, award_amount, created_at, updated_at)
       VALUES ($1, $2, 'Edge values', $3, 'DEFENSE HEALTH AGENCY', $4, $5, $6, $7, $8)`,
      [r.id, `EDGE-${r.id}`, r.description, r.posted, r.deadline, r.amount, r.created, PAST],
    );
}

describe('exact values from PostgreSQL to Kafka, backfill and logical capture, checked (real stores)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let publisher: KafkaPublisher;
  let capture: LogicalChangeCapture;
  let streamer: ChangeStreamer;
  let run: MigrationRunInfo;
  const prefix = `it-exact-${randomUUID().slice(0, 8)}.`;
  const topic = `${prefix}${ENTITY_TOPICS.opportunity.name}`;
  const usageTopic = `${prefix}${ENTITY_TOPICS.usage_record.name}`;
  let usageIds: string[];

  beforeAll(async () => {
    db = await createMigratedDatabase('exact_values', { load: { opportunities: 40, seed: 12 } });
    // numeric(15,2) cannot hold ±Infinity (NaN it can): the monolith's amount column made
    // unconstrained, as another deployment's schema may have it, so every numeric value occurs.
    await db.pool.query(`ALTER TABLE opportunities ALTER COLUMN award_amount TYPE numeric`);
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'exact-values-it', logger });
    const admin = kafka.admin();
    await admin.connect();
    await ensureEntityTopics(admin, ['opportunity', 'usage_record'], prefix);
    await admin.disconnect();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    publisher = new KafkaPublisher(producer, logger, new ProcessingLog(db.pool, 'kafka-migrator'), {
      serviceName: 'kafka-migrator',
      maxMessageBytes: ENTITY_MAX_MESSAGE_BYTES,
    });
    run = {
      migrationId: randomUUID(),
      migrationRun: `exact-${randomUUID().slice(0, 8)}`,
      correlationId: randomUUID(),
      topicPrefix: prefix,
    };
    capture = new LogicalChangeCapture(db.pool, logger, { name: run.migrationRun, entities: ['opportunity', 'usage_record'] });
    await capture.setup();
    await insert(db, BACKFILLED);
    usageIds = (await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM usage_records ORDER BY id LIMIT 2`)).rows.map((r) => r.id);
    await db.pool.query(`UPDATE usage_records SET metadata = $2::jsonb WHERE id = $1`, [usageIds[0], JSONB_NUMBERS]);
  }, 180_000);

  afterAll(async () => {
    await streamer?.stop();
    await capture?.teardown().catch(() => undefined);
    await producer?.disconnect();
    if (kafka) {
      const admin = kafka.admin();
      await admin.connect();
      const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics: own }).catch(() => undefined);
      await admin.disconnect();
    }
    await db?.drop();
  }, 120_000);

  it('every event carries the exact text, nothing is dead-lettered, and the postgres/kafka pair matches every row', async () => {
    streamer = new ChangeStreamer(capture, publisher, run, logger, { batchSize: 200, idleMs: 20 });
    streamer.start();
    const deps = { pool: db.pool, publisher, checkpoints: new CheckpointStore(db.pool), logger, retainedWalBytes: () => capture.retainedWalBytes() };
    const backfill = (entity: 'opportunity' | 'usage_record') =>
      runBackfill(deps, {
        entity,
        run,
        shard: { index: 0, count: 1 },
        batchSize: 25,
        captureMode: 'logical',
        owner: 'exact-values-test',
        leaseTtlMs: 30_000,
        maxRowsPerSecond: 0,
        slowAckMs: 10_000,
        maxRetainedWalBytes: 512 * 1024 * 1024,
      });
    const summary = await backfill('opportunity');
    const usageSummary = await backfill('usage_record');
    await insert(db, CAPTURED);
    await db.pool.query(`UPDATE usage_records SET metadata = $2::jsonb WHERE id = $1`, [usageIds[1], JSONB_NUMBERS]);
    // An update through capture as well: a backfilled row's amount and deadline change.
    await db.pool.query(
      `UPDATE opportunities SET award_amount = 'NaN', response_deadline = '4713-01-01 00:00:00.000001+00 BC' WHERE id = $1`,
      [BACKFILLED[3].id],
    );
    const updated = { ...BACKFILLED[3].expected, awardAmount: 'NaN', responseDeadline: '-004712-01-01T00:00:00.000001Z' };
    await streamer.stop();
    await streamer.catchUp();

    expect(summary).toMatchObject({ status: 'completed', failed: 0 });
    expect(usageSummary).toMatchObject({ status: 'completed', failed: 0 });
    const dead = await db.pool.query(`SELECT count(*)::int AS n FROM service_processing_log WHERE migration_id = $1 AND status = 'dead_lettered'`, [
      run.migrationId,
    ]);
    expect(dead.rows[0].n).toBe(0);

    const events = (await readWholeTopic(kafka, topic))
      .map((m) => JSON.parse(m.value as string) as EventEnvelope)
      .filter((e) => e.metadata.migrationId === run.migrationId);
    const fieldsOf = (id: string, operation: string) =>
      events
        .filter((e) => e.aggregateId === id && e.metadata.operation === operation)
        .map((e) => {
          const data = e.data as Record<string, unknown>;
          return { postedDate: data.postedDate, responseDeadline: data.responseDeadline, awardAmount: data.awardAmount, createdAt: data.createdAt };
        });
    for (const r of BACKFILLED) expect([r.id, fieldsOf(r.id, 'snapshot')]).toEqual([r.id, [r.expected]]);
    for (const r of CAPTURED) expect([r.id, fieldsOf(r.id, 'insert')]).toEqual([r.id, [r.expected]]);
    expect(fieldsOf(BACKFILLED[3].id, 'update')).toEqual([updated]);
    // The descriptions arrive whole, byte for byte.
    for (const r of [BACKFILLED[4], CAPTURED[3]]) {
      const event = events.find((e) => e.aggregateId === r.id);
      expect(Buffer.byteLength(String((event?.data as Record<string, unknown>).description))).toBe(Buffer.byteLength(r.description as string));
      expect((event?.data as Record<string, unknown>).description === r.description).toBe(true);
    }
    expect(Buffer.byteLength(BACKFILLED[4].description as string)).toBeGreaterThan(5_000_000);
    // jsonb numbers as written, in the snapshot of one usage record and the change of another.
    const usageTexts = (await readWholeTopic(kafka, usageTopic)).map((m) => m.value as string).filter((v) => v.includes(run.migrationId));
    const printed = (await db.pool.query<{ t: string }>(`SELECT $1::jsonb::text AS t`, [JSONB_NUMBERS])).rows[0].t;
    expect(printed).toContain('"rate": 1.50');
    const compact = printed.replace(/: /g, ':').replace(/, /g, ',');
    for (const [id, operation] of [[usageIds[0], 'snapshot'], [usageIds[1], 'update']])
      expect([id, usageTexts.filter((v) => v.includes(`"aggregateId":"${id}"`) && v.includes(`"operation":"${operation}"`) && v.includes(compact)).length]).toEqual([id, 1]);

    const checker = new ConsistencyChecker({ pool: db.pool, kafka });
    const overrides = {
      entities: ['opportunity' as const, 'usage_record' as const],
      targets: ['kafka' as const],
      topicFor: (entity: string) => (entity === 'opportunity' ? topic : usageTopic),
      migrationId: run.migrationId,
      watermark: new Date(),
      kafkaTimeoutMs: 60_000,
      logger,
    };
    const report = await checker.run({ ...DEFAULT_CHECK_OPTIONS, ...overrides });
    for (const entity of report.entities) {
      const found = entity.pairs.find((p) => p.target === 'kafka');
      expect({
        entity: entity.entity,
        missing: found?.missing.count,
        extra: found?.extra.count,
        different: found?.different.count,
        inFlight: found?.inFlight.count,
        passed: found?.passed,
      }).toEqual({ entity: entity.entity, missing: 0, extra: 0, different: 0, inFlight: 0, passed: true });
    }
    expect(report.entities.map((e) => e.entity)).toEqual(['opportunity', 'usage_record']);
    const pair = report.entities[0].pairs.find((p) => p.target === 'kafka');
    const rows = Number((await db.pool.query(`SELECT count(*) AS n FROM opportunities`)).rows[0].n);
    expect(report.entities[0].counts).toMatchObject({ postgres: rows, kafka: rows });
    expect(pair?.fields).toEqual(expect.arrayContaining(['postedDate', 'responseDeadline', 'awardAmount', 'description', 'createdAt']));
  }, 300_000);
});
