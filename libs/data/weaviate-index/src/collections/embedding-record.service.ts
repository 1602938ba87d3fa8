import type { WeaviateClient } from 'weaviate-client';
import type { Logger } from '@mch/util-logger';
import {
  decideEmbeddings,
  parseEmbeddingRecord,
  withEmbeddingRecord,
  type EmbeddingDecision,
  type EmbeddingIdentity,
  type EmbeddingRecord,
} from '../vectors/embedding-identity';

export interface RecordedEmbeddings extends EmbeddingDecision {
  collection: string;
  /** What the collection recorded before this call (null on a new or older collection). */
  previous: EmbeddingRecord | null;
}

/**
 * Compares the model this process embeds with against the one recorded on the collection and
 * records the outcome there (decideEmbeddings says when). Replicas starting together decide the
 * same from the same record, so they write the same record; a collection from before records
 * existed is taken to hold vectors of the configured version under the current model.
 */
export async function recordEmbeddings(
  client: WeaviateClient,
  collectionName: string,
  identity: EmbeddingIdentity,
  configuredVersion: number,
  logger: Logger,
  now: () => Date = () => new Date(),
): Promise<RecordedEmbeddings> {
  const collection = client.collections.use(collectionName);
  const description = (await collection.config.get()).description;
  const previous = parseEmbeddingRecord(description);
  const decision = decideEmbeddings(previous, identity, configuredVersion);
  if (decision.write) {
    const record: EmbeddingRecord = { ...identity, embeddingsVersion: decision.version, recordedAt: now().toISOString() };
    await collection.config.update({ description: withEmbeddingRecord(description, record) });
  }
  const fields = { collection: collectionName, ...identity, embeddingsVersion: decision.version, reason: decision.reason };
  if (decision.reason === 'model-changed') {
    logger.warn('embedding model changed: stored vectors will be re-embedded', { ...fields, changes: decision.changes, previousVersion: previous?.embeddingsVersion });
  } else {
    logger.info('embedding model recorded', fields);
  }
  return { collection: collectionName, previous, ...decision };
}
