import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import type { IndexCollectionNames } from '../collections/index-collections';
import { dropIndex, quietLogger } from './weaviate-test-support';

export interface IndexerTopics {
  opportunity: string;
  document: string;
}

/** Topic names no other test run uses, so specs can share one stack. */
export function uniqueIndexerTopics(label: string): IndexerTopics {
  const run = `it.wvi-${label}.${randomBytes(4).toString('hex')}`;
  return { opportunity: `${run}.opportunities`, document: `${run}.documents` };
}

export interface IndexerTestStores {
  kafka: Kafka;
  client: WeaviateClient;
  /** Drops the collections and deletes the topics with their dead-letter topics. */
  close(): Promise<void>;
}

/**
 * The stack's Kafka, with the topics created (opportunity 3 partitions, document 2), and its
 * Weaviate, for a weaviate-indexer spec; the collections are left for the service to create.
 */
export async function openIndexerTestStores(topics: IndexerTopics, names: IndexCollectionNames): Promise<IndexerTestStores> {
  const kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'weaviate-indexer-it', logger: quietLogger() });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, {
    topics: [
      { topic: topics.opportunity, numPartitions: 3 },
      { topic: topics.document, numPartitions: 2 },
    ],
  });
  const client = await connectWeaviate(loadConfig(weaviateEnvSchema));
  const all = [topics.opportunity, topics.document];
  return {
    kafka,
    client,
    close: async () => {
      await dropIndex(client, names);
      await client.close();
      await admin.deleteTopics({ topics: [...all, ...all.map((t) => `dlq.${t}`)] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
