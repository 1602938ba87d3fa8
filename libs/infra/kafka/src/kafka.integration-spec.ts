import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createKafka } from './kafka.client';
import { createIdempotentProducer } from './kafka.producer';
import { createTopicsAndWait } from './kafka.topics';
import { scanTopic } from './topic.scanner';

let kafka: Kafka;
let admin: Admin;
const topics: string[] = [];

beforeAll(async () => {
  kafka = createKafka(loadConfig(kafkaEnvSchema), {
    clientId: 'infra-kafka-it',
    logger: createLogger({ service: 'infra-kafka-it', level: 'error', sink: () => undefined }),
  });
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('Kafka through the project client (real broker)', () => {
  const topic = `it.kafka.roundtrip.${randomUUID()}`;
  topics.push(topic);

  it('creates a topic with the partitions asked for', async () => {
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 3 }] });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions).toHaveLength(3);
  });

  it('asks the broker to create only the missing topics: an existing one logs no error and keeps its partitions', async () => {
    const lines: Record<string, unknown>[] = [];
    const logged = createKafka(loadConfig(kafkaEnvSchema), {
      clientId: 'infra-kafka-it-existing',
      logger: createLogger({ service: 'infra-kafka-it', level: 'warn', sink: (l) => lines.push(JSON.parse(l)) }),
    });
    const other = logged.admin();
    await other.connect();
    const fresh = `it.kafka.fresh.${randomUUID()}`;
    topics.push(fresh);
    try {
      // The broker answers TOPIC_ALREADY_EXISTS for `topic`, which kafkajs logs at error level.
      await createTopicsAndWait(other, { topics: [{ topic, numPartitions: 5 }, { topic: fresh, numPartitions: 2 }] });
    } finally {
      await other.disconnect();
    }
    expect(lines).toEqual([]);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic, fresh] });
    // The broker lists the topics in no set order.
    expect(Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]))).toEqual({ [topic]: 3, [fresh]: 2 });
  });

  it('produces keyed messages with headers and a consumer group reads them back in order per key', async () => {
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}`, headers: { 'correlation-id': `c${i}` } }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `it-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; header: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push({
              key: String(message.key),
              value: String(message.value),
              header: String(message.headers?.['correlation-id']),
            });
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    expect(received).toHaveLength(20);
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      const expected = sent.filter((m) => m.key === key).map((m) => m.value);
      expect(received.filter((m) => m.key === key).map((m) => m.value)).toEqual(expected);
    }
    expect(received.find((m) => m.value === 'v7')?.header).toBe('c7');
  });
});

describe('an idempotent producer shared by concurrent callers (real broker)', () => {
  // Shaped like a backfill and a change streamer sharing one producer, with a trickle of single
  // sends beside them: on kafkajs's own producer this fails with OUT_OF_ORDER_SEQUENCE_NUMBER
  // within a few rounds, and failed batches are partly written.
  it('stores every message of every call exactly once, with no call failing', async () => {
    for (let round = 0; round < 4; round++) {
      // Created with the siblings a migration run creates at once (entity and dead-letter topics).
      const created = Array.from({ length: 5 }, (_, i) => `it.kafka.concurrent.${randomUUID()}.${i}`);
      const [topic] = created;
      topics.push(...created);
      await createTopicsAndWait(admin, { topics: created.map((t) => ({ topic: t, numPartitions: 10 })) });
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      const failures: string[] = [];
      let sent = 0;
      const caller = async (batchSize: number, calls: number, pauseMs = 0) => {
        for (let call = 0; call < calls; call++) {
          const messages = Array.from({ length: batchSize }, () => ({ key: randomUUID(), value: 'x'.repeat(2_000) }));
          try {
            await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
            sent += batchSize;
          } catch (error) {
            failures.push((error as Error).message);
          }
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
      };
      await Promise.all([caller(40, 40), caller(3, 200, 1), caller(1, 200)]);
      await producer.disconnect();
      const stored = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
      // Deleted before the next round, as the specs' topics are: the broker's deletion work
      // running beside the next round's sends is where the unqueued producer failed most.
      await admin.deleteTopics({ topics: created });
      expect({ round, failures: [...new Set(failures)], sent, stored }).toEqual({ round, failures: [], sent: 2_400, stored: 2_400 });
    }
  }, 120_000);
});

describe('scanTopic (real broker)', () => {
  it('reads a message larger than its fetch bounds (16 MiB, 4 MiB per partition) whole, beside small ones', async () => {
    const topic = `it.kafka.scan-large.${randomUUID()}`;
    topics.push(topic);
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(24 * 1024 * 1024) }] }] });
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    // 20 MiB: over the per-partition bound and the whole fetch's; the broker still returns it (KIP-74).
    const large = Buffer.alloc(20 * 1024 * 1024, 'x');
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: 'a', value: 'small-1' }, { key: 'b', value: large }, { key: 'c', value: 'small-2' }] });
    } finally {
      await producer.disconnect();
    }
    const seen: { key: string; bytes: number }[] = [];
    const result = await scanTopic(kafka, topic, (m) => seen.push({ key: String(m.key), bytes: m.value?.length ?? 0 }), { timeoutMs: 60_000, groupPrefix: 'it-scan' });
    expect(result.messages).toBe(3);
    expect(seen).toEqual([
      { key: 'a', bytes: 7 },
      { key: 'b', bytes: large.length },
      { key: 'c', bytes: 7 },
    ]);
  }, 90_000);
});
