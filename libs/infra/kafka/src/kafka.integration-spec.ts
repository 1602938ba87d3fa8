import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createKafka } from './kafka.client';

describe('Kafka through the project client (real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const topic = `it.kafka.roundtrip.${randomUUID()}`;

  beforeAll(async () => {
    kafka = createKafka(loadConfig(kafkaEnvSchema), {
      clientId: 'infra-kafka-it',
      logger: createLogger({ service: 'infra-kafka-it', level: 'error', sink: () => undefined }),
    });
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic with the partitions asked for', async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions).toHaveLength(3);
  });

  it('produces keyed messages with headers and a consumer group reads them back in order per key', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
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
