import { randomUUID } from 'node:crypto';
import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import { KAFKA_PRODUCER_CLIENTS, kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createKafka } from './kafka.client';
import { createTopicsAndWait } from './kafka.topics';
import { createRecordProducer } from './record-producer';
import { createPlatformaticProducer } from './platformatic.producer';

const PARTITIONS = 6;
let kafka: Kafka;
let admin: Admin;
const topics: string[] = [];

const silent = createLogger({ service: 'infra-kafka-it', level: 'error', sink: () => undefined });

beforeAll(async () => {
  kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'infra-kafka-record-producer-it', logger: silent });
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

async function newTopic(): Promise<string> {
  const topic = `it.kafka.record-producer.${randomUUID()}`;
  topics.push(topic);
  await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: PARTITIONS }] });
  return topic;
}

interface Read {
  partition: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Every message on the topic (up to its end offsets now), in partition order. */
async function readAll(topic: string): Promise<Read[]> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).filter((p) => p.high !== '0').map((p) => [p.partition, BigInt(p.high)]));
  const read: Read[] = [];
  const consumer = kafka.consumer({ groupId: `it-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
            read.push({ partition: batch.partition, key: String(m.key), value: String(m.value), headers });
          }
          if (BigInt(batch.lastOffset()) + 1n >= (ends.get(batch.partition) ?? 0n)) ends.delete(batch.partition);
          if (ends.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return read;
}

/** The partition Java's and kafkajs's default partitioner (murmur2) gives a key. */
const javaPartition = (() => {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return (key: string) => partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
})();

describe.each(KAFKA_PRODUCER_CLIENTS)('RecordProducer on %s (real broker)', (client) => {
  it("puts every key on its murmur2 partition and keeps each key's versions in order, with their headers", async () => {
    const topic = await newTopic();
    const producer = createRecordProducer(kafka, { client });
    await producer.connect();
    const keys = Array.from({ length: 40 }, () => randomUUID());
    try {
      for (let version = 0; version < 5; version++) {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [{ topic, messages: keys.map((key) => ({ key, value: `${key}:${version}`, headers: { 'correlation-id': `c-${version}`, 'event-type': 'T' } })) }],
        });
      }
    } finally {
      await producer.disconnect();
    }
    const read = await readAll(topic);
    expect(read).toHaveLength(200);
    expect(read.filter((m) => m.partition !== javaPartition(m.key)).map((m) => m.key)).toEqual([]);
    for (const key of keys) expect(read.filter((m) => m.key === key).map((m) => m.value)).toEqual([0, 1, 2, 3, 4].map((v) => `${key}:${v}`));
    expect(read.find((m) => m.value === `${keys[7]}:3`)?.headers).toEqual({ 'correlation-id': 'c-3', 'event-type': 'T' });
  });

  it('stores every message of concurrent calls exactly once, each key in call order', async () => {
    const topic = await newTopic();
    const producer = createRecordProducer(kafka, { client });
    await producer.connect();
    const keys = Array.from({ length: 20 }, () => randomUUID());
    // Shaped like a backfill and a change streamer sharing the producer, with single dead letters beside them.
    const calls = [
      ...Array.from({ length: 15 }, (_, call) => producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: keys.map((key) => ({ key, value: `${call}`.padStart(3, '0') + 'x'.repeat(2_000) })) }] })),
      ...Array.from({ length: 30 }, () => producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ key: randomUUID(), value: 'single' }] }] })),
    ];
    const outcomes = await Promise.allSettled(calls);
    await producer.disconnect();
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const read = await readAll(topic);
    expect(read).toHaveLength(15 * 20 + 30);
    for (const key of keys) {
      expect(read.filter((m) => m.key === key).map((m) => Number(m.value.slice(0, 3)))).toEqual(Array.from({ length: 15 }, (_, i) => i));
    }
  });
});

describe('RecordProducer on @platformatic/kafka, failures', () => {
  it('rejects a send to a topic that does not exist, naming the reason, instead of creating it', async () => {
    const topic = `it.kafka.record-producer.missing.${randomUUID()}`;
    // A flat 100 ms between retries: with kafkajs's backoff the missing topic's metadata is retried for about 70 s.
    const producer = createPlatformaticProducer(loadConfig(kafkaEnvSchema), { clientId: 'it-missing-topic', logger: silent, retryDelayMs: 100 });
    await producer.connect();
    try {
      await expect(producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ key: 'k', value: 'v' }] }] })).rejects.toThrow(/Kafka send of 1 messages failed: .+/);
    } finally {
      await producer.disconnect();
    }
    expect((await admin.listTopics()).includes(topic)).toBe(false);
  }, 60_000);
});
