import type { Admin } from 'kafkajs';
import { ENTITY_TOPICS, deadLetterTopic, type MigratedEntity } from '@mch/contracts';
import { createTopicsAndWait } from '@mch/infra-kafka';

const THIRTY_DAYS_MS = String(30 * 24 * 3600 * 1000);

/**
 * Creates the entity topics and their dead-letter topics if missing (idempotent). Replication
 * follows the cluster size (at most 3) and min.insync.replicas stays below it, so acks=all sends
 * succeed on a small cluster instead of failing as the first attempt's did. Compression is left
 * to producers: kafkajs cannot read snappy.
 */
export async function ensureEntityTopics(admin: Admin, entities: readonly MigratedEntity[], prefix = ''): Promise<string[]> {
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
        ],
      })),
    });
  }
  return missing.map((t) => t.topic);
}
