import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { createKafka, createIdempotentProducer, createTopicsAndWait } from '@mch/infra-kafka';
import { createMigratedDatabase, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { createLogger } from '@mch/util-logger';
import { ConsumerLoop } from './consumer-loop';
import type { BatchSink, ConsumedRecord, ConsumerLoopOptions, MessageDecoder, SinkResult } from './consumer-loop.types';
import { ProcessingLog } from './processing-log';

interface Item {
  aggregateId: string;
  aggregateType: string;
  n: number;
}

const quiet = createLogger({ service: 'consumer-loop-it', level: 'error', sink: () => undefined });

/** Values are JSON items; anything else fails decoding with a DomainException naming entity, id and field. */
let decodedCount = 0;
const decode: MessageDecoder<Item> = (message: KafkaMessage) => {
  decodedCount++;
  const key = message.key?.toString() ?? 'unknown';
  try {
    const value = JSON.parse(message.value?.toString() ?? '') as Item;
    return { value, entityType: value.aggregateType, entityId: value.aggregateId };
  } catch {
    throw new DomainException(ErrorCode.ValidationFailed, `item ${key}: value is not JSON`, { entity: 'Item', id: key, field: 'value' });
  }
};

/** Records what it was given; `behave` decides per call whether to throw, block or reject some. */
class RecordingSink implements BatchSink<Item> {
  readonly batches: Item[][] = [];
  calls = 0;
  constructor(private readonly behave: (call: number, records: ConsumedRecord<Item>[]) => Promise<SinkResult<Item>> = async () => ({ rejected: [] })) {}
  async write(records: ConsumedRecord<Item>[]): Promise<SinkResult<Item>> {
    this.calls++;
    const result = await this.behave(this.calls, records);
    this.batches.push(records.map((r) => r.value));
    return result;
  }
  get written(): number {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }
}

/** A sink whose first write waits for `release()`, then succeeds (or throws `failWith`). */
function firstWriteHeld(failWith?: Error): { sink: RecordingSink; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const sink = new RecordingSink(async (call) => {
    if (call === 1) {
      await gate;
      if (failWith) throw failWith;
    }
    return { rejected: [] };
  });
  return { sink, release };
}

async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('ConsumerLoop (real Kafka and PostgreSQL)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let db: MigratedDatabase;
  const loops: ConsumerLoop<Item>[] = [];
  const topics: string[] = [];

  async function setup(partitions = 3) {
    const topic = `it.consumer-loop.${randomUUID()}`;
    topics.push(topic, `dlq.${topic}`);
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: partitions }, { topic: `dlq.${topic}`, numPartitions: 1 }] });
    return { topic, groupId: `it-loop-${randomUUID()}` };
  }

  function loop(sink: BatchSink<Item>, options: Partial<ConsumerLoopOptions> & Pick<ConsumerLoopOptions, 'topics' | 'groupId'>) {
    const l = new ConsumerLoop<Item>(kafka, producer, decode, sink, quiet, new ProcessingLog(db.pool, 'consumer-loop-it'), {
      fromBeginning: true,
      maxBatchRecords: 1_000,
      maxBatchWaitMs: 200,
      maxWriteAttempts: 3,
      deadLetterTopicFor: (t) => `dlq.${t}`,
      serviceName: 'consumer-loop-it',
      ...options,
    });
    loops.push(l);
    return l;
  }

  async function produce(topic: string, values: (Item | string)[]) {
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((v, i) => ({
        key: typeof v === 'string' ? `raw-${i}` : v.aggregateId,
        value: typeof v === 'string' ? v : JSON.stringify(v),
        headers: { 'event-id': randomUUID(), 'correlation-id': randomUUID() },
      })),
    });
  }

  const items = (count: number, from = 0): Item[] =>
    Array.from({ length: count }, (_, i) => ({ aggregateId: randomUUID(), aggregateType: 'Item', n: from + i }));

  async function committed(groupId: string, topic: string): Promise<Record<number, string>> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(offsets.partitions.map((p) => [p.partition, p.offset]));
  }
  async function ends(topic: string): Promise<Record<number, string>> {
    return Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  }

  beforeAll(async () => {
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'consumer-loop-it', logger: quiet });
    admin = kafka.admin();
    producer = createIdempotentProducer(kafka);
    [db] = await Promise.all([createMigratedDatabase('consumer_loop_it'), admin.connect(), producer.connect()]);
  });
  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop().catch(() => undefined)));
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await Promise.all([producer.disconnect(), admin.disconnect(), db.drop()]);
  });

  it('writes a batch as soon as it holds maxBatchRecords, without waiting for the timer', async () => {
    const { topic, groupId } = await setup(1);
    const sink = new RecordingSink();
    await loop(sink, { topics: [topic], groupId, maxBatchRecords: 50, maxBatchWaitMs: 60_000 }).start();
    await produce(topic, items(120));
    const started = Date.now();
    await eventually('120 records written', () => sink.written === 120, 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    // Written once: a processed batch is not fetched and written again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(sink.batches.flat().map((i) => i.n)).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('writes a smaller batch once its first record waited maxBatchWaitMs', async () => {
    const { topic, groupId } = await setup(2);
    const sink = new RecordingSink();
    const l = loop(sink, { topics: [topic], groupId, maxBatchRecords: 10_000, maxBatchWaitMs: 1_500 });
    await l.start();
    // Timed from before the send: a record cannot arrive earlier, while the producer's own
    // acknowledgement and disconnect may end after it arrived (and its wait began) on a busy machine.
    const sending = Date.now();
    await produce(topic, items(5));
    await eventually('5 records written', () => sink.written === 5, 20_000);
    expect(Date.now() - sending).toBeGreaterThanOrEqual(1_400);
    expect(sink.batches).toHaveLength(1);
  });

  it('writes nothing after stop() resolved, while records keep arriving during the stop', async () => {
    const { topic, groupId } = await setup(3);
    // A store write takes a while: records keep being fetched while stop() writes the pending batch.
    let inFlight = 0;
    const sink = new RecordingSink(async () => {
      inFlight++;
      await new Promise((resolve) => setTimeout(resolve, 600));
      inFlight--;
      return { rejected: [] };
    });
    const l = loop(sink, { topics: [topic], groupId, maxBatchRecords: 10_000, maxBatchWaitMs: 100, fetchMaxWaitMs: 50 });
    await l.start();
    let producing = true;
    const feeding = (async () => {
      for (let n = 0; producing; n++) {
        await produce(topic, items(5, n * 5));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await eventually('a first write', () => sink.calls > 0, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await l.stop();
    // The app closes its store clients now: no write may still be running or start later.
    expect(inFlight).toBe(0);
    const callsAtStop = sink.calls;
    // Long past maxBatchWaitMs and a write: a batch accepted during the stop would be written now.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    producing = false;
    await feeding;
    expect(sink.calls).toBe(callsAtStop);
  });

  it('commits offsets only after the sink accepted the batch', async () => {
    const { topic, groupId } = await setup(3);
    let release: () => void = () => undefined;
    const accepted = new Promise<void>((resolve) => (release = resolve));
    const sink = new RecordingSink(async () => {
      await accepted;
      return { rejected: [] };
    });
    const l = loop(sink, { topics: [topic], groupId });
    await l.start();
    await produce(topic, items(30));
    await eventually('the sink to be called', () => sink.calls > 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(Object.values(await committed(groupId, topic)).every((o) => o === '-1')).toBe(true);
    release();
    await eventually('offsets committed to the end', async () => JSON.stringify(await committed(groupId, topic)) === JSON.stringify(await ends(topic)));
    expect(l.stats.written).toBe(30);
  });

  it('retries a sink that throws, then stops the loop with its error and commits nothing', async () => {
    const { topic, groupId } = await setup(1);
    const sink = new RecordingSink(async () => {
      throw new Error('clickhouse unavailable');
    });
    let failure: unknown;
    const l = loop(sink, { topics: [topic], groupId, maxWriteAttempts: 3 });
    await l.start((error) => (failure = error));
    await produce(topic, items(10));
    await eventually('the loop to give up', () => failure !== undefined);
    expect((failure as Error).message).toBe('clickhouse unavailable');
    expect(sink.calls).toBe(3);
    expect(l.stats).toMatchObject({ written: 0, batches: 0 });
    expect(await committed(groupId, topic)).toEqual({ 0: '-1' });
  });

  it('after failing on an error kafkajs calls retriable, leaves its group and is not restarted into a crash loop', async () => {
    const { topic, groupId } = await setup(1);
    // A lost connection (KafkaJSConnectionError) is retriable to kafkajs, which by default restarts
    // the crashed consumer: it rejoined every 300 ms and crashed again on the loop's failure.
    const lost = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', retriable: true });
    let failure: unknown;
    const l = loop(new RecordingSink(async () => Promise.reject(lost)), { topics: [topic], groupId, maxWriteAttempts: 1 });
    await l.start((error) => (failure = error));
    await produce(topic, items(5));
    await eventually('the loop to give up', () => failure !== undefined);
    // The next fetch hands the failed loop more records: it throws its failure, and kafkajs crashes.
    await produce(topic, items(5, 5));
    const state = async () => (await admin.describeGroups([groupId])).groups[0].state;
    await eventually('the consumer to leave its group', async () => (await state()) === 'Empty');
    const joins = l.stats.groupJoins;
    // A restart would rejoin within 300 ms (kafkajs's retry time); ten times that passes without one.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect({ joins: l.stats.groupJoins, state: await state() }).toEqual({ joins, state: 'Empty' });
    expect(failure).toBe(lost);
    expect(await committed(groupId, topic)).toEqual({ 0: '-1' });
  });

  it('reports a crash kafkajs does not restart from (an inconsistent group protocol) as a failure instead of idling', async () => {
    const { topic, groupId } = await setup(1);
    // Another member already holds the group with an assignment protocol this loop does not speak.
    const other = kafka.consumer({
      groupId,
      partitionAssigners: [() => ({ name: 'OtherAssigner', version: 1, protocol: () => ({ name: 'OtherAssigner', metadata: Buffer.alloc(0) }), assign: async () => [] })],
    });
    await other.connect();
    await other.subscribe({ topics: [topic] });
    await other.run({ eachMessage: async () => undefined });
    await eventually('the other member to hold the group', async () => (await admin.describeGroups([groupId])).groups[0].state === 'Stable');
    let failure: unknown;
    const l = loop(new RecordingSink(), { topics: [topic], groupId });
    try {
      await l.start((error) => (failure = error));
      await eventually('the loop to report the crash', () => failure !== undefined);
      expect((failure as { type?: string }).type ?? String(failure)).toMatch(/INCONSISTENT_GROUP_PROTOCOL/);
    } finally {
      await other.disconnect();
    }
  });

  it('fills the next batch while one is written, and holds no more than two', async () => {
    const { topic, groupId } = await setup(1);
    const { sink, release } = firstWriteHeld();
    decodedCount = 0;
    const l = loop(sink, { topics: [topic], groupId, maxBatchRecords: 20, maxBatchWaitMs: 60_000 });
    await l.start();
    await produce(topic, items(20));
    await eventually('the first write to start', () => sink.calls === 1);
    await produce(topic, items(20, 20));
    await eventually('the second batch decoded while the first is written', () => decodedCount === 40);
    await produce(topic, items(20, 40));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Two full batches are held; the third waits for the first write.
    expect(decodedCount).toBe(40);
    expect(Object.values(await committed(groupId, topic))).toEqual(['-1']);
    release();
    await eventually('offsets committed to the end', async () => (await committed(groupId, topic))[0] === '60');
    expect(sink.batches.map((b) => b.length)).toEqual([20, 20, 20]);
    expect(sink.batches.flat().map((i) => i.n)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('lets a batch whose time is up keep filling while another write is in flight', async () => {
    const { topic, groupId } = await setup(1);
    const { sink, release } = firstWriteHeld();
    decodedCount = 0;
    const l = loop(sink, { topics: [topic], groupId, maxBatchRecords: 1_000, maxBatchWaitMs: 300 });
    await l.start();
    await produce(topic, items(10));
    await eventually('the first write to start', () => sink.calls === 1);
    await produce(topic, items(10, 10));
    await eventually('the second ten decoded', () => decodedCount === 20);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await produce(topic, items(10, 20));
    await eventually('the third ten decoded', () => decodedCount === 30);
    expect(sink.calls).toBe(1);
    release();
    await eventually('offsets committed to the end', async () => (await committed(groupId, topic))[0] === '30');
    expect(sink.batches.map((b) => b.length)).toEqual([10, 20]);
  });

  it('never commits a later batch after a batch failed', async () => {
    const { topic, groupId } = await setup(1);
    const { sink, release } = firstWriteHeld(new Error('clickhouse unavailable'));
    decodedCount = 0;
    let failure: unknown;
    const l = loop(sink, { topics: [topic], groupId, maxBatchRecords: 10, maxBatchWaitMs: 60_000, maxWriteAttempts: 1 });
    await l.start((error) => (failure = error));
    await produce(topic, items(10));
    await eventually('the first write to start', () => sink.calls === 1);
    await produce(topic, items(10, 10));
    await eventually('the second batch queued behind the first', () => decodedCount === 20);
    release();
    await eventually('the loop to give up', () => failure !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sink.calls).toBe(1);
    expect(l.stats).toMatchObject({ written: 0, batches: 0 });
    expect(await committed(groupId, topic)).toEqual({ 0: '-1' });
  });

  it('retries a failing write until it succeeds, then commits', async () => {
    const { topic, groupId } = await setup(1);
    const sink = new RecordingSink(async (call) => {
      if (call < 3) throw new Error(`transient ${call}`);
      return { rejected: [] };
    });
    await loop(sink, { topics: [topic], groupId, maxWriteAttempts: 5 }).start();
    await produce(topic, items(4));
    await eventually('offsets committed', async () => (await committed(groupId, topic))[0] === '4');
    expect(sink.calls).toBe(3);
  });

  it('sends decode failures and sink-rejected records to the dead-letter topic and the processing log, and goes on', async () => {
    const { topic, groupId } = await setup(1);
    const good = items(3);
    const refused: Item = { aggregateId: randomUUID(), aggregateType: 'Item', n: 99 };
    const sink = new RecordingSink(async (_call, records) => ({
      rejected: records
        .filter((r) => r.value.n === 99)
        .map((record) => ({ record, error: { code: 'UNSUPPORTED_BY_STORE', message: `item ${record.value.aggregateId}: field n is out of range`, field: 'n' } })),
    }));
    const l = loop(sink, { topics: [topic], groupId });
    await l.start();
    await produce(topic, [good[0], '{not json', good[1], refused, good[2]]);
    await eventually('offsets committed to the end', async () => (await committed(groupId, topic))[0] === '5');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(l.stats).toMatchObject({ written: 3, deadLettered: 2 });
    const dead = await readWholeTopic(kafka, `dlq.${topic}`);
    const bodies = dead.map((m) => JSON.parse(m.value ?? '{}') as Record<string, unknown>);
    expect(bodies).toEqual([
      expect.objectContaining({ originalTopic: topic, offset: '1', event: '{not json', error: { code: 'VALIDATION_FAILED', message: 'item raw-1: value is not JSON', field: 'value' } }),
      expect.objectContaining({ originalTopic: topic, offset: '3', error: { code: 'UNSUPPORTED_BY_STORE', message: `item ${refused.aggregateId}: field n is out of range`, field: 'n' } }),
    ]);
    expect(dead.map((m) => m.headers['dlq-error-code'])).toEqual(['VALIDATION_FAILED', 'UNSUPPORTED_BY_STORE']);

    const { rows } = await db.pool.query(
      `SELECT entity_type, entity_id, action, status, error_code, error_message, metadata->>'offset' AS "offset"
         FROM service_processing_log WHERE service_name = 'consumer-loop-it' AND action = $1 ORDER BY metadata->>'offset'`,
      [`consume:${topic}`],
    );
    expect(rows).toEqual([
      { entity_type: 'Item', entity_id: 'raw-1', action: `consume:${topic}`, status: 'dead_lettered', error_code: 'VALIDATION_FAILED', error_message: 'item raw-1: value is not JSON', offset: '1' },
      {
        entity_type: 'Item',
        entity_id: refused.aggregateId,
        action: `consume:${topic}`,
        status: 'dead_lettered',
        error_code: 'UNSUPPORTED_BY_STORE',
        error_message: `item ${refused.aggregateId}: field n is out of range`,
        offset: '3',
      },
    ]);
  });

  it('with logSucceeded, logs each written record as succeeded (not the refused one), with correlation, cause and position, readable through the view', async () => {
    const { topic, groupId } = await setup(1);
    const good = items(2);
    const refused: Item = { aggregateId: randomUUID(), aggregateType: 'Item', n: 99 };
    const sink = new RecordingSink(async (_call, records) => ({
      rejected: records.filter((r) => r.value.n === 99).map((record) => ({ record, error: { code: 'UNSUPPORTED_BY_STORE', message: 'n out of range', field: 'n' } })),
    }));
    const l = loop(sink, { topics: [topic], groupId, logSucceeded: { action: 'index', metadata: () => ({ embeddingVersion: 4 }) } });
    await l.start();
    const headers = [good[0], refused, good[1]].map(() => ({ 'event-id': randomUUID(), 'correlation-id': randomUUID() }));
    await producer.send({
      topic,
      acks: -1,
      messages: [good[0], refused, good[1]].map((v, i) => ({
        key: v.aggregateId,
        value: JSON.stringify({ ...v, metadata: { sourcePosition: `lsn:000000000000000${i}` } }),
        headers: headers[i],
      })),
    });
    await eventually('offsets committed to the end', async () => (await committed(groupId, topic))[0] === '3');
    const { rows } = await db.pool.query(
      `SELECT entity_id, status, correlation_id::text, causation_id::text, metadata FROM service_processing_log
        WHERE service_name = 'consumer-loop-it' AND metadata->>'topic' = $1 AND status = 'succeeded' ORDER BY metadata->>'offset'`,
      [topic],
    );
    expect(rows).toEqual([0, 2].map((i) => ({
      entity_id: [good[0], refused, good[1]][i].aggregateId,
      status: 'succeeded',
      correlation_id: headers[i]['correlation-id'],
      causation_id: headers[i]['event-id'],
      metadata: { topic, partition: 0, offset: String(i), sourcePosition: `lsn:000000000000000${i}`, embeddingVersion: 4 },
    })));
    const view = await db.pool.query(
      `SELECT processed_by_services ? 'consumer-loop-it' AS processed, event_stream_position FROM entity_processing_status WHERE entity_type = 'Item' AND entity_id = $1`,
      [good[1].aggregateId],
    );
    expect(view.rows).toEqual([{ processed: true, event_stream_position: 'lsn:0000000000000002' }]);
  });
});
