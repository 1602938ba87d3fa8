import {
  hashingEmbedder,
  hashingIdentity,
  indexCollectionNames,
  inferenceEmbedder,
  inferenceIdentity,
  lazyInferenceEmbedder,
  moduleVectorInput,
  storedVectorText,
  type EmbeddingIdentity,
  type InferenceEmbedderOptions,
  type ReembedOptions,
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

/** Told about each retry while the inference service is down or overloaded (the runner logs it). */
export type InferenceRetryListener = NonNullable<InferenceEmbedderOptions['onRetry']>;

/** Who supplies vectors: the indexer (hashing or the inference service) or, for the module, Weaviate (null). */
export function embedder(config: WeaviateIndexerConfig, onRetry?: InferenceRetryListener): TextEmbedder | null {
  if (config.WEAVIATE_VECTORIZER === 'text2vec-transformers') return null;
  if (config.WEAVIATE_VECTORIZER === 'transformers-client')
    return lazyInferenceEmbedder({ url: config.TRANSFORMERS_INFERENCE_URL ?? '', dimensions: config.WEAVIATE_VECTOR_DIMENSIONS, onRetry });
  return hashingEmbedder(config.WEAVIATE_VECTOR_DIMENSIONS);
}

/** The model this process's vectors come from, as recorded on the Opportunity collection. */
export function embeddingIdentity(config: WeaviateIndexerConfig, onRetry?: InferenceRetryListener): Promise<EmbeddingIdentity> {
  if (config.WEAVIATE_VECTORIZER === 'none') return Promise.resolve(hashingIdentity(config.WEAVIATE_VECTOR_DIMENSIONS));
  return inferenceIdentity({ url: config.TRANSFORMERS_INFERENCE_URL ?? '', onRetry }, config.WEAVIATE_VECTORIZER);
}

/**
 * How stale vectors are recomputed: with the indexer's own embedder, or, when Weaviate's module
 * vectorizes, with the same inference service on the text the module embeds (connected only when
 * something is stale).
 */
export function reembedding(config: WeaviateIndexerConfig, onRetry?: InferenceRetryListener): Pick<ReembedOptions, 'embedder' | 'textOf'> {
  const own = embedder(config, onRetry);
  if (own) return { embedder: own };
  const url = config.TRANSFORMERS_INFERENCE_URL ?? '';
  let service: ReturnType<typeof inferenceEmbedder> | undefined;
  return {
    embedder: {
      name: `text2vec-transformers:${url}`,
      dimensions: 0,
      embed: async (texts) => {
        service ??= inferenceEmbedder({ url, onRetry });
        return (await service).embed(texts);
      },
    },
    textOf: (p) => moduleVectorInput(storedVectorText(p)),
  };
}

/** Job mode gets its own consumer group per migration, so a re-run of the same Job resumes it. */
export function groupId(config: WeaviateIndexerConfig): string {
  return config.MIGRATION_ID ? `${config.INDEXER_GROUP_ID}.job.${config.MIGRATION_ID}` : config.INDEXER_GROUP_ID;
}

/** `embeddingsVersion`: what recordEmbeddings decided (never below EMBEDDINGS_VERSION). */
export function loopOptions(
  config: WeaviateIndexerConfig,
  embeddingsVersion = config.EMBEDDINGS_VERSION,
  onInferenceRetry?: InferenceRetryListener,
): WeaviateIndexLoopOptions {
  return {
    topics: { opportunity: config.INDEXER_OPPORTUNITY_TOPIC, contract_document: config.INDEXER_DOCUMENT_TOPIC },
    groupId: groupId(config),
    fromBeginning: true,
    maxBatchRecords: config.INDEXER_MAX_BATCH_RECORDS,
    maxBatchWaitMs: config.INDEXER_MAX_BATCH_WAIT_MS,
    fetchMaxBytes: config.INDEXER_FETCH_MAX_BYTES,
    fetchMaxBytesPerPartition: config.INDEXER_FETCH_MAX_BYTES_PER_PARTITION,
    maxWriteAttempts: config.INDEXER_MAX_WRITE_ATTEMPTS,
    serviceName: SERVICE_NAME,
    logSucceeded: config.INDEXER_LOG_SUCCEEDED
      ? { action: 'index', metadata: () => ({ embeddingVersion: embeddingsVersion }) }
      : undefined,
    sink: {
      names: collectionNames(config),
      embedder: embedder(config, onInferenceRetry),
      embeddingsVersion,
      batchSize: config.WEAVIATE_BATCH_SIZE,
      concurrency: config.WEAVIATE_BATCH_CONCURRENCY,
      maxObjectAttempts: config.WEAVIATE_OBJECT_ATTEMPTS,
      retryBaseDelayMs: 200,
    },
  };
}
