import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { ENTITY_TOPICS, deadLetterTopic } from '@mch/contracts';
import { createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { ENTITY_MAX_MESSAGE_BYTES, ensureEntityTopics } from './topics.setup';

const logger = createLogger({ service: 'topics-setup-it', level: 'error', sink: () => undefined });

async function topicConfig(admin: Admin, topic: string): Promise<Record<string, string>> {
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
  return Object.fromEntries(described.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
}

describe('entity topics take multi-megabyte events (real Kafka)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const prefix = `it-topics-${randomUUID().slice(0, 8)}.`;
  const opportunities = `${prefix}${ENTITY_TOPICS.opportunity.name}`;
  const proposals = `${prefix}${ENTITY_TOPICS.proposal.name}`;

  beforeAll(async () => {
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'topics-setup-it', logger });
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await admin.deleteTopics({ topics: own }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates topics with the limit, and raises it on a topic created before, keeping its other settings', async () => {
    // As an earlier release (or another tool) left it: the broker's 1 MB default and its own retention.
    await createTopicsAndWait(admin, {
      topics: [
        {
          topic: opportunities,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [
            { name: 'max.message.bytes', value: '1048588' },
            { name: 'retention.ms', value: '123456789' },
          ],
        },
      ],
    });
    const producer = kafka.producer();
    await producer.connect();
    const big = { key: 'k', value: `${'🧬'.repeat(1_300_000)}` }; // 5.2 MB of UTF-8
    try {
      await expect(producer.send({ topic: opportunities, acks: -1, messages: [big] })).rejects.toThrow(/larger than the max message size/);

      const created = await ensureEntityTopics(admin, ['opportunity', 'proposal'], prefix);
      expect(created.sort()).toEqual([proposals, `${prefix}${deadLetterTopic('opportunity')}`, `${prefix}${deadLetterTopic('proposal')}`].sort());
      expect(await topicConfig(admin, opportunities)).toMatchObject({
        'max.message.bytes': String(ENTITY_MAX_MESSAGE_BYTES),
        'retention.ms': '123456789',
      });
      expect(await topicConfig(admin, proposals)).toMatchObject({ 'max.message.bytes': String(ENTITY_MAX_MESSAGE_BYTES) });

      await producer.send({ topic: opportunities, acks: -1, messages: [big] });
      // Idempotent: a second run changes nothing.
      expect(await ensureEntityTopics(admin, ['opportunity', 'proposal'], prefix)).toEqual([]);
      expect(await topicConfig(admin, opportunities)).toMatchObject({ 'retention.ms': '123456789' });
    } finally {
      await producer.disconnect();
    }
  }, 60_000);
});
