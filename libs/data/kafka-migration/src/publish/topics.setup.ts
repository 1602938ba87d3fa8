import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { ENTITY_TOPICS, deadLetterTopic, type MigratedEntity } from '@mch/contracts';
import { createTopicsAndWait } from '@mch/infra-kafka';

const THIRTY_DAYS_MS = String(30 * 24 * 3600 * 1000);

/**
 * The largest event the entity topics take (topic `max.message.bytes`) and the publisher sends
 * (KAFKA_MAX_MESSAGE_BYTES): descriptions of several megabytes are legal rows and must be
 * published, and brokers default to 1 MB (the local stack and compose file to 4 MiB). A larger
 * event is dead-lettered naming entity, id, field and this limit (docs/kafka-migrator.md).
 */
export const ENTITY_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** kafkajs' DescribeConfigs config source of a topic's own override (DYNAMIC_TOPIC_CONFIG). */
const TOPIC_OVERRIDE = 1;

export interface EntityTopicOptions {
  /** Topic max.message.bytes; existing topics with a smaller limit are raised to it. */
  maxMessageBytes?: number;
}

/**
 * Creates the entity topics and their dead-letter topics if missing (idempotent), and raises the
 * message limit of existing ones that were created with less. Replication follows the cluster
 * size (at most 3) and min.insync.replicas stays below it, so acks=all sends succeed on a small
 * cluster instead of failing as the first attempt's did. Compression is left to producers:
 * kafkajs cannot read snappy.
 */
export async function ensureEntityTopics(
  admin: Admin,
  entities: readonly MigratedEntity[],
  prefix = '',
  options: EntityTopicOptions = {},
): Promise<string[]> {
  const maxMessageBytes = String(options.maxMessageBytes ?? ENTITY_MAX_MESSAGE_BYTES);
  const cluster = await admin.describeCluster();
  const replication = Math.min(3, cluster.brokers.length);
  const minIsr = String(Math.max(1, replication - 1));
  const existing = new Set(await admin.listTopics());
  const wanted = entities.flatMap((entity) => [
    { topic: `${prefix}${ENTITY_TOPICS[entity].name}`, numPartitions: ENTITY_TOPICS[entity].partitions },
    { topic: `${prefix}${deadLetterTopic(entity)}`, numPartitions: 1 },
  ]);
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    await createTopicsAndWait(admin, {
      topics: missing.map((t) => ({
        ...t,
        replicationFactor: replication,
        configEntries: [
          { name: 'retention.ms', value: THIRTY_DAYS_MS },
          { name: 'min.insync.replicas', value: minIsr },
          { name: 'compression.type', value: 'producer' },
          { name: 'max.message.bytes', value: maxMessageBytes },
        ],
      })),
    });
  }
  const present = wanted.filter((t) => existing.has(t.topic)).map((t) => t.topic);
  if (present.length > 0) await raiseMessageLimit(admin, present, maxMessageBytes);
  return missing.map((t) => t.topic);
}

/**
 * Raises max.message.bytes of topics whose limit is lower. AlterConfigs (the only config call
 * kafkajs has) replaces all of a topic's overrides, so the ones it has are sent along.
 */
async function raiseMessageLimit(admin: Admin, topics: string[], maxMessageBytes: string): Promise<void> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  const resources = described.resources
    .filter((r) => {
      const limit = r.configEntries.find((e) => e.configName === 'max.message.bytes');
      return !limit || Number(limit.configValue) < Number(maxMessageBytes);
    })
    .map((r) => ({
      type: ConfigResourceTypes.TOPIC,
      name: r.resourceName,
      configEntries: [
        ...r.configEntries
          .filter((e) => e.configSource === TOPIC_OVERRIDE && e.configName !== 'max.message.bytes')
          .map((e) => ({ name: e.configName, value: e.configValue })),
        { name: 'max.message.bytes', value: maxMessageBytes },
      ],
    }));
  if (resources.length === 0) return;
  await admin.alterConfigs({ validateOnly: false, resources });
  // The broker applies the change after answering; a send right away could still meet the old limit.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const now = await admin.describeConfigs({
      includeSynonyms: false,
      resources: resources.map((r) => ({ type: ConfigResourceTypes.TOPIC, name: r.name, configNames: ['max.message.bytes'] })),
    });
    if (now.resources.every((r) => r.configEntries.some((e) => e.configName === 'max.message.bytes' && e.configValue === maxMessageBytes))) return;
    if (Date.now() > deadline) throw new Error(`max.message.bytes of ${resources.map((r) => r.name).join(', ')} did not become ${maxMessageBytes} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
