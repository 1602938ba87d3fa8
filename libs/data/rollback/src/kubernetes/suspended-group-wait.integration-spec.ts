// After the kubernetes participant's phase 10 (consumers scaled to 0), the consumer pods still take
// their grace period and the group its session timeout to become empty. The Kafka participant's
// apply must wait for that (bounded), not refuse at once, and refuse naming the group when the
// members do not leave. Real Kafka of the local stack, a real consumer as the live member.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { waitFor } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { DomainException } from '@mch/util-errors';
import { createLogger } from '@mch/util-logger';
import { ConsumerGroupRollback } from '../kafka/consumer-group.admin';
import type { KafkaResetGroupOffsetsAction } from '../rollback.types';

const quiet = createLogger({ service: 'rollback-k8s-it', level: 'error', sink: () => undefined });

describe('kafka apply after the consumers were suspended by the plan', () => {
  const suffix = randomUUID().slice(0, 8);
  const topic = `rollback-k8s-it-${suffix}`;
  let kafka: Kafka;
  let admin: Admin;

  const resetToZero = (groupId: string): KafkaResetGroupOffsetsAction => ({
    kind: 'kafka.reset-group-offsets',
    target: 'kafka',
    phase: 20,
    summary: `group ${groupId} on ${topic}`,
    groupId,
    topic,
    partitions: [{ partition: 0, before: '3', after: '0' }],
  });
  async function liveMember(groupId: string): Promise<Consumer> {
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] });
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topic });
    await consumer.run({ eachMessage: async () => undefined });
    await waitFor('a live member in the group', async () => (await new ConsumerGroupRollback(admin).activeMembers(groupId)).length > 0, 30_000);
    return consumer;
  }
  const committed = async (groupId: string) => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map((p) => p.offset);

  beforeAll(async () => {
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'rollback-k8s-it', logger: quiet });
    admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [0, 1, 2].map((n) => ({ partition: 0, value: `v${n}` })) });
    await producer.disconnect();
  }, 60_000);

  afterAll(async () => {
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('waits for the group to empty (its member leaves 3 s later, as a terminating pod does), then resets', async () => {
    const groupId = `rollback-k8s-it-leaves-${suffix}`;
    const consumer = await liveMember(groupId);
    const started = Date.now();
    const leaving = new Promise((r) => setTimeout(r, 3_000)).then(() => consumer.disconnect());
    await new ConsumerGroupRollback(admin, 60_000).apply(resetToZero(groupId));
    await leaving;
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(await committed(groupId)).toEqual(['0']);
  }, 90_000);

  it('refuses naming the group and its member when the member is still there after the bound, and changes nothing', async () => {
    const groupId = `rollback-k8s-it-stays-${suffix}`;
    const consumer = await liveMember(groupId);
    try {
      const started = Date.now();
      const refusal = await new ConsumerGroupRollback(admin, 4_000).apply(resetToZero(groupId)).catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
      expect(refusal).toBeInstanceOf(DomainException);
      expect((refusal as DomainException).code).toBe('PRECONDITION_FAILED');
      expect((refusal as Error).message).toMatch(new RegExp(`^consumer group '${groupId}' has 1 active member\\(s\\): rollback-k8s-it@.*\\(still there after waiting 4 s\\)$`));
    } finally {
      await consumer.disconnect();
    }
    expect(await committed(groupId)).toEqual(['3']);
  }, 90_000);
});
