import {
  hashingEmbedder,
  indexCollectionNames,
  lazyInferenceEmbedder,
  type TextEmbedder,
  type IndexCollectionNames,
  type VectorizerSettings,
  type WeaviateIndexLoopOptions,
} from '@mch/data-weaviate-index';
import type { WeaviateIndexerConfig } from './weaviate-indexer.config';

export const SERVICE_NAME = 'weaviate-indexer';

export function collectionNames(config: WeaviateIndexerConfig): IndexCollectionNames {
  return indexCollectionNames(config.WEAVIATE_COLLECTION_PREFIX);
}

export function vectorizerSettings(config: WeaviateIndexerConfig): VectorizerSettings {
  return config.WEAVIATE_VECTORIZER === 'text2vec-transformers'
    ? { kind: 'text2vec-transformers', inferenceUrl: config.TRANSFORMERS_INFERENCE_URL ?? '' }
    : { kind: 'none', dimensions: config.WEAVIATE_VECTOR_DIMENSIONS };
}

/** Who supplies vectors: the indexer (hashing or the inference service) or, for the module, Weaviate (null). */
export function embedder(config: WeaviateIndexerConfig): TextEmbedder | null {
  if (config.WEAVIATE_VECTORIZER === 'text2vec-transformers') return null;
  if (config.WEAVIATE_VECTORIZER === 'transformers-client')
    return lazyInferenceEmbedder({ url: config.TRANSFORMERS_INFERENCE_URL ?? '', dimensions: config.WEAVIATE_VECTOR_DIMENSIONS });
  return hashingEmbedder(config.WEAVIATE_VECTOR_DIMENSIONS);
}

/** Job mode gets its own consumer group per migration, so a re-run of the same Job resumes it. */
export function groupId(config: WeaviateIndexerConfig): string {
  return config.MIGRATION_ID ? `${config.INDEXER_GROUP_ID}.job.${config.MIGRATION_ID}` : config.INDEXER_GROUP_ID;
}

export function loopOptions(config: WeaviateIndexerConfig): WeaviateIndexLoopOptions {
  return {
    topics: { opportunity: config.INDEXER_OPPORTUNITY_TOPIC, contract_document: config.INDEXER_DOCUMENT_TOPIC },
    groupId: groupId(config),
    fromBeginning: true,
    maxBatchRecords: config.INDEXER_MAX_BATCH_RECORDS,
    maxBatchWaitMs: config.INDEXER_MAX_BATCH_WAIT_MS,
    maxWriteAttempts: config.INDEXER_MAX_WRITE_ATTEMPTS,
    serviceName: SERVICE_NAME,
    logSucceeded: config.INDEXER_LOG_SUCCEEDED
      ? { action: 'index', metadata: () => ({ embeddingVersion: config.EMBEDDINGS_VERSION }) }
      : undefined,
    sink: {
      names: collectionNames(config),
      embedder: embedder(config),
      embeddingsVersion: config.EMBEDDINGS_VERSION,
      batchSize: config.WEAVIATE_BATCH_SIZE,
      concurrency: config.WEAVIATE_BATCH_CONCURRENCY,
      maxObjectAttempts: config.WEAVIATE_OBJECT_ATTEMPTS,
      retryBaseDelayMs: 200,
    },
  };
}
