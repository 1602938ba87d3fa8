import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import {
  ENTITY_TOPICS,
  deadLetterHeaders,
  deadLetterTopicsOf,
  deadLetterValue,
  parseDeadLetter,
  type MigratedEntity,
} from '@mch/contracts';
import { ConsumerLoop, ProcessingLog } from '@mch/data-consumer-loop';
import {
  ClickHouseRowSink,
  analyticsRowDecoder,
  analyticsTableFor,
  type AnalyticsRowRecord,
  type AnalyticsTable,
} from '@mch/data-clickhouse-analytics';
import {
  ENTITY_SOURCES,
  KafkaPublisher,
  buildMessage,
  migrationEventId,
  readChunk,
  replayDeadLetters,
  type MigrationRunInfo,
  type ReplayRequest,
} from '@mch/data-kafka-migration';
import { createIdempotentProducer, createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { migrateIntoStores, type MigratedStores } from '../testing/migrated-stores';
import type { ConsistencyReport, PairReport } from '../report/consistency-report';
import { renderReportTable } from '../report/report-table';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS, type ConsistencyCheckOptions } from './consistency-check';

const logger = createLogger({ service: 'dead-letters-it', level: 'error', sink: () => undefined });
const ENTITY: MigratedEntity = 'opportunity';
const pair = (report: ConsistencyReport, target: string): PairReport => {
  const found = report.entities[0]?.pairs.find((p) => p.target === target);
  if (!found) throw new Error(`no postgres/${target} pair in the report`);
  return found;
};

/**
 * Dead letters end to end on the real stores: a malformed event planted in the entity topic is
 * dead-lettered by a real consumer (the clickhouse-populator's loop and sink), a row too large for
 * the publisher's limit is dead-lettered by the kafka-migrator's publisher; the checker reports
 * both as dead-lettered with stage and reason (only in the stores their stage feeds), the replay
 * publishes them once the cause is gone, and the checker then reports every row matched.
 */
describe('dead letters reconciled and replayed (real stores)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let stores: MigratedStores;
  let producer: Producer;
  let loop: ConsumerLoop<AnalyticsRowRecord>;
  let run: MigrationRunInfo;
  let topic: string;
  const groupId = `dlq-it-${randomUUID()}`;
  const extraTopics: string[] = [];
  const planted = randomUUID();
  const oversized = randomUUID();
  /** A valid event an older consumer refused (a limit since lifted): its original message is replayed. */
  const refusedByConsumer = randomUUID();
  let consumerFixed = false;
  let oversizedPosition: string;
  const SMALL_LIMIT = 8_192;
  let watermark: Date;

  const options = (patch: Partial<ConsistencyCheckOptions> = {}): ConsistencyCheckOptions => ({
    ...DEFAULT_CHECK_OPTIONS,
    entities: [ENTITY],
    targets: ['kafka', 'clickhouse'],
    topicFor: () => topic,
    deadLetterTopicsFor: (entity) => deadLetterTopicsOf(entity, stores.topicPrefix),
    migrationId: run.migrationId,
    watermark,
    thresholds: { maxDiscrepancies: 0, maxDiscrepancyRate: 1 },
    kafkaTimeoutMs: 60_000,
    eventStore: null,
    logger,
    ...patch,
  });

  /** Waits until the consumer group has committed every partition up to its end offset now. */
  async function caughtUp(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const behind = ends.filter((e) => {
          const c = committed.partitions.find((p) => p.partition === e.partition);
          return BigInt(e.high) > 0n && (!c || c.offset === '-1' || BigInt(c.offset) < BigInt(e.high));
        });
        if (behind.length === 0) return;
        if (Date.now() > deadline) throw new Error(`consumer still behind on partitions ${behind.map((b) => b.partition).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await admin.disconnect();
    }
  }

  const publisher = (maxMessageBytes: number) =>
    new KafkaPublisher(producer, logger, new ProcessingLog(db.pool, 'kafka-migrator'), { serviceName: 'kafka-migrator', maxMessageBytes });
  const replay = (patch: Partial<ReplayRequest> = {}, limit = 4 * 1024 * 1024) =>
    replayDeadLetters(
      { pool: db.pool, kafka, producer, publisher: publisher(limit), processingLog: new ProcessingLog(db.pool, 'kafka-migrator'), logger },
      { run, entities: [ENTITY], filter: {}, dryRun: false, captureMode: 'logical', kafkaTimeoutMs: 60_000, ...patch },
    );

  beforeAll(async () => {
    db = await createMigratedDatabase('consistency_dlq', { load: { opportunities: 200, seed: 12 } });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'dead-letters-it', logger });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    stores = await migrateIntoStores(db.pool, kafka, weaviate, 'dlq', { entities: [ENTITY], chunkRows: 500, vectorDimensions: 8 });
    run = { ...stores.run, topicPrefix: stores.topicPrefix };
    topic = stores.topicFor(ENTITY);
    // The migrator's dead-letter topic (<prefix>dlq.<topic>) and the consumer's (dlq.<prefix><topic>).
    const [migratorDlq, consumerDlq] = deadLetterTopicsOf(ENTITY, stores.topicPrefix);
    await stores.createTopic(migratorDlq.slice(stores.topicPrefix.length), 1);
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, { topics: [{ topic: consumerDlq, numPartitions: 1 }] });
    await admin.disconnect();
    extraTopics.push(consumerDlq);
    producer = createIdempotentProducer(kafka);
    await producer.connect();

    // Two rows the stores do not have yet.
    await db.pool.query(
      `INSERT INTO opportunities (id, notice_id, title, agency, posted_date, response_deadline, description, created_at, updated_at)
       VALUES ($1, 'DLQ-PLANTED', 'Planted', 'VA', now() - interval '3 days', now() + interval '30 days', 'short', now() - interval '1 hour', now() - interval '1 hour'),
              ($2, 'DLQ-OVERSIZED', 'Oversized', 'VA', now() - interval '3 days', now() + interval '30 days', repeat('x', 50000), now() - interval '1 hour', now() - interval '1 hour'),
              ($3, 'DLQ-CONSUMER', 'Refused by an older consumer', 'VA', now() - interval '3 days', now() + interval '30 days', 'fine', now() - interval '1 hour', now() - interval '1 hour')`,
      [planted, oversized, refusedByConsumer],
    );
    const read = async (id: string) => readChunk(db.pool, ENTITY_SOURCES[ENTITY], { lower: id, upper: null }, null, 1, 'logical');
    // A producer bug: a valid row under an event type no consumer knows.
    const good = await read(planted);
    const message = buildMessage({ entity: ENTITY, operation: 'snapshot', key: planted, row: good.rows[0], position: good.position }, run);
    const bad = JSON.parse(message.value) as Record<string, unknown>;
    bad.eventType = 'OpportunityMangled';
    await stores.produce(topic, [{ ...message, value: JSON.stringify(bad) }]);
    // And a message that is no event at all, from no run: the consumer dead-letters it too.
    await stores.produce(topic, [{ topic, key: randomUUID(), value: '{not json', headers: {}, eventId: randomUUID() }]);
    // A row over the publisher's (test-small) message limit: the kafka-migrator dead-letters it.
    const big = await read(oversized);
    oversizedPosition = big.position;
    const published = await publisher(SMALL_LIMIT).publish(
      [{ entity: ENTITY, operation: 'snapshot', key: oversized, row: big.rows[0], position: big.position }],
      run,
    );
    expect(published.rejected).toEqual([expect.objectContaining({ key: oversized, error: expect.objectContaining({ code: 'MESSAGE_TOO_LARGE', limit: SMALL_LIMIT }) })]);
    const fine = await read(refusedByConsumer);
    await publisher(4 * 1024 * 1024).publish(
      [{ entity: ENTITY, operation: 'snapshot', key: refusedByConsumer, row: fine.rows[0], position: fine.position }],
      run,
    );

    // The clickhouse-populator's consumer loop and sink, consuming the topic from the beginning.
    const table = analyticsTableFor(ENTITY) as AnalyticsTable;
    const decode = analyticsRowDecoder(new Map([[topic, table]]), stores.caps);
    loop = new ConsumerLoop(
      kafka,
      producer,
      // The populator's decoder; until `consumerFixed`, as an older version that refused one title.
      (message, t) => {
        if (!consumerFixed && message.key?.toString() === refusedByConsumer) {
          throw new DomainException(ErrorCode.UnsupportedByStore, `opportunity ${refusedByConsumer}: field title is over this version's limit of 20 characters`, {
            entity: 'Opportunity',
            id: refusedByConsumer,
            field: 'title',
            limit: 20,
          });
        }
        return decode(message, t);
      },
      new ClickHouseRowSink(stores.clickhouse.client, stores.caps),
      logger,
      new ProcessingLog(db.pool, 'clickhouse-populator'),
      {
        groupId,
        topics: [topic],
        fromBeginning: true,
        maxBatchRecords: 500,
        maxBatchWaitMs: 200,
        maxWriteAttempts: 3,
        deadLetterTopicFor: (t) => `dlq.${t}`,
        serviceName: 'clickhouse-populator',
      },
    );
    await loop.start();
    await caughtUp();
    watermark = new Date();
  }, 240_000);

  // DROP DATABASE waits for a checkpoint: minutes when other suites write a lot at the same time.
  afterAll(async () => {
    await loop?.stop();
    await producer?.disconnect();
    const admin = kafka?.admin();
    if (admin) {
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: extraTopics }).catch(() => undefined);
      await admin.disconnect();
    }
    await stores?.close();
    await weaviate?.close();
    await db?.drop();
  }, 300_000);

  it('reports each refused row as dead-lettered with its stage and reason, only in the stores that stage feeds', async () => {
    expect(loop.stats.deadLettered).toBe(3);
    const checker = new ConsistencyChecker(stores.stores);
    const report = await checker.run(options({ targets: ['kafka', 'clickhouse', 'weaviate'] }));
    const kafkaPair = pair(report, 'kafka');
    const clickhouse = pair(report, 'clickhouse');
    const weaviatePair = pair(report, 'weaviate');
    // Kafka holds the planted event (its data is the row's): only the migrator's refusal is missing there.
    expect(kafkaPair).toMatchObject({ matched: 202, missing: { count: 0 }, deadLettered: { count: 1 }, passed: true });
    expect(kafkaPair.deadLettered.rows[0]).toMatchObject({ id: oversized, stage: 'kafka-migrator', code: 'MESSAGE_TOO_LARGE', limit: SMALL_LIMIT });
    expect(clickhouse).toMatchObject({ matched: 200, missing: { count: 0 }, deadLettered: { count: 3 }, passed: true });
    const byId = new Map(clickhouse.deadLettered.rows.map((r) => [r.id, r]));
    expect(byId.get(planted)).toMatchObject({ stage: 'clickhouse-populator', code: 'VALIDATION_FAILED', field: 'eventType' });
    expect(byId.get(planted)?.message).toContain('OpportunityMangled');
    expect(byId.get(oversized)).toMatchObject({ stage: 'kafka-migrator', code: 'MESSAGE_TOO_LARGE' });
    expect(byId.get(refusedByConsumer)).toMatchObject({ stage: 'clickhouse-populator', code: 'UNSUPPORTED_BY_STORE', field: 'title', limit: 20 });
    // The populator's refusal explains nothing in Weaviate: there the planted row is missing, unexplained.
    expect(weaviatePair.missing.ids.sort()).toEqual([planted, refusedByConsumer].sort());
    expect(weaviatePair).toMatchObject({ deadLettered: { count: 1 }, passed: false });
    expect(report.verdict).toBe('inconsistent');
    // The non-event on the topic is accounted for by its dead letter (matched by partition and offset).
    expect(report.entities[0].undecodableMessages).toMatchObject({ count: 1, deadLettered: 1 });
    expect(report.failures.filter((f) => f.includes('not events'))).toEqual([]);
    expect(report.entities[0].deadLetters).toMatchObject({ read: true, letters: 3, ids: 3, byStage: { 'kafka-migrator': 1, 'clickhouse-populator': 2 } });

    const settled = await checker.run(options());
    expect(settled).toMatchObject({ passed: true, verdict: 'dead-lettered', deadLettered: 4 });
    const table = renderReportTable(settled);
    expect(table).toContain('PASSED EXCEPT 4 DEAD-LETTERED ROWS');
    expect(table).toContain('opportunity postgres/clickhouse: 200 matched + 0 different = 200 migrated; + 3 dead-lettered + 0 missing + 0 in flight = 203 source');
    expect(table).toContain(`${planted} by clickhouse-populator: VALIDATION_FAILED (field eventType)`);

    // Without the reconciliation the same rows are unexplained discrepancies and the check fails.
    const blind = await checker.run(options({ deadLetterTopicsFor: () => [] }));
    expect(blind.verdict).toBe('inconsistent');
    expect(blind.failures).toContain('opportunity kafka: 1 messages on the topic are not events');
    expect(pair(blind, 'clickhouse').missing.ids.sort()).toEqual([planted, oversized, refusedByConsumer].sort());
  }, 180_000);

  it('replays them once the cause is gone, once each, and the checker then matches every row', async () => {
    const dry = await replay({ dryRun: true });
    expect(dry.outcomes.map((o) => [o.id, o.action, o.via]).sort()).toEqual(
      [
        [planted, 'would-replay', 'source-row'],
        [oversized, 'would-replay', 'source-row'],
        [refusedByConsumer, 'would-replay', 'original-message'],
      ].sort(),
    );
    expect(dry.outcomes.find((o) => o.id === planted)?.detail).toContain("eventType 'OpportunityMangled'");

    // The limit not raised yet: still failing, with the reason; the publisher dead-letters it anew.
    const early = await replay({ filter: { stage: 'kafka-migrator' } }, SMALL_LIMIT);
    expect(early).toMatchObject({ matching: 1, replayed: 0, stillFailing: 1 });
    expect(early.outcomes[0].detail).toMatch(/MESSAGE_TOO_LARGE \(field .+, limit 8192\)/);

    // The weaviate-indexer refused the same message (its dead letter, as the consumer loop writes it):
    // one republication serves both.
    const consumerDlq = deadLetterTopicsOf(ENTITY, stores.topicPrefix)[1];
    const populatorLetter = (await readWholeTopic(kafka, consumerDlq))
      .map((m) => parseDeadLetter(m.value, { key: m.key, headers: m.headers }))
      .find((l) => l?.id === refusedByConsumer);
    if (!populatorLetter) throw new Error('no dead letter of the populator for the refused row');
    const indexerLetter = { ...populatorLetter, stage: 'weaviate-indexer', service: 'weaviate-indexer' };
    await producer.send({
      topic: consumerDlq,
      acks: -1,
      messages: [{ key: refusedByConsumer, value: deadLetterValue(indexerLetter), headers: deadLetterHeaders(indexerLetter) }],
    });

    // Causes removed (the normal message limit; a consumer without the title limit): everything pending is replayed.
    consumerFixed = true;
    const before = await readWholeTopic(kafka, topic);
    const summary = await replay();
    expect(summary).toMatchObject({ matching: 5, alreadyHandled: 1, replayed: 4, stillFailing: 0, skipped: 0 });
    expect(summary.outcomes.filter((o) => o.id === refusedByConsumer).map((o) => [o.stage, o.via])).toEqual([
      ['clickhouse-populator', 'original-message'],
      ['weaviate-indexer', 'original-message'],
    ]);
    const again = await replay();
    expect(again).toMatchObject({ matching: 5, alreadyHandled: 5, replayed: 0 });

    // The consumer's refusal went back as the original message, byte for byte.
    const originals = before.filter((m) => m.key === refusedByConsumer);
    const republished = (await readWholeTopic(kafka, topic)).filter((m) => m.key === refusedByConsumer);
    expect(republished).toHaveLength(2);
    expect(republished[1].value).toBe(originals[0].value);

    // The unchanged row went out at its refused position: the event id the backfill would have given it.
    const messages = await readWholeTopic(kafka, topic);
    const replayedBig = messages.filter((m) => m.key === oversized).map((m) => JSON.parse(m.value ?? '{}') as { eventId: string });
    expect(replayedBig.map((e) => e.eventId)).toEqual([
      migrationEventId({ entity: ENTITY, key: oversized, position: oversizedPosition, operation: 'snapshot' }),
    ]);

    await caughtUp();
    const report = await new ConsistencyChecker(stores.stores).run(options({ watermark: new Date() }));
    expect({ verdict: report.verdict, table: renderReportTable(report) }).toMatchObject({ verdict: 'consistent' });
    expect(report).toMatchObject({ passed: true, verdict: 'consistent', deadLettered: 0 });
    expect(pair(report, 'kafka')).toMatchObject({ matched: 203, missing: { count: 0 }, deadLettered: { count: 0 } });
    expect(pair(report, 'clickhouse')).toMatchObject({ matched: 203, missing: { count: 0 }, deadLettered: { count: 0 } });
    expect(ENTITY_TOPICS[ENTITY].name).toBe(topic.slice(stores.topicPrefix.length));
  }, 240_000);
});
