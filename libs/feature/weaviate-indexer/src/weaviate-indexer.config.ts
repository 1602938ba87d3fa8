import { z } from 'zod';
import { ENTITY_TOPICS } from '@mch/contracts';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const topic = z.string().trim().min(1).max(249);

/**
 * The weaviate-indexer's own settings (environment variables), validated at boot. MIGRATION_ID
 * set means Job mode (index what the topics hold now, then exit), as the k8s Job passes it.
 */
export const weaviateIndexerConfigSchema = z
  .object({
    /**
     * `none`: the indexer supplies feature-hash vectors (tests, machines without the model);
     * `text2vec-transformers`: Weaviate embeds through its module; `transformers-client`: the indexer
     * supplies vectors from the same inference service (docs/semantic-search.md).
     */
    WEAVIATE_VECTORIZER: z.enum(['none', 'text2vec-transformers', 'transformers-client']).default('none'),
    /** The transformers inference service (required with text2vec-transformers and transformers-client). */
    TRANSFORMERS_INFERENCE_URL: z.url().optional(),
    /** Length of self-provided vectors (vectorizer none). Changing it needs a new collection. */
    WEAVIATE_VECTOR_DIMENSIONS: int(2, 4096).default(256),
    /** Bump to re-embed: objects written under an older version get new vectors when re-indexed. */
    EMBEDDINGS_VERSION: int(1, 1_000_000).default(1),
    /** Prefix of the collection names (Opportunity, ContractDocument, IndexTombstone). */
    WEAVIATE_COLLECTION_PREFIX: z
      .string()
      .trim()
      .regex(/^([A-Z][A-Za-z0-9]*)?$/, 'empty, or an upper-case letter followed by letters and digits')
      .default(''),
    /** Objects per Weaviate batch request; keeps each request far below the insert timeout. */
    WEAVIATE_BATCH_SIZE: int(1, 1_000).default(200),
    /** Weaviate batch requests in flight at once. */
    WEAVIATE_BATCH_CONCURRENCY: int(1, 32).default(8),
    /** Attempts for objects failing with a transient error before the batch fails. */
    WEAVIATE_OBJECT_ATTEMPTS: int(1, 20).default(5),
    /** Kafka records per batch handed to the sink. */
    INDEXER_MAX_BATCH_RECORDS: int(1, 20_000).default(5_000),
    INDEXER_MAX_BATCH_WAIT_MS: int(10, 60_000).default(500),
    /**
     * Bytes one Kafka fetch may bring (all partitions, and per partition). The indexer is bound by
     * Weaviate (about 1,400 objects/s here), so 8 MiB (3,000+ opportunities) keeps it fed; the
     * shared consumer default (32 MiB, 4 MiB) only held more decoded records in memory: peak RSS
     * 638–686 MiB against 581 MiB at 20,000 opportunities (docs/benchmarks.md). A record larger
     * than the per-partition bound is still fetched, alone.
     */
    INDEXER_FETCH_MAX_BYTES: int(1_048_576, 268_435_456).default(8 * 1_048_576),
    INDEXER_FETCH_MAX_BYTES_PER_PARTITION: int(65_536, 67_108_864).default(1_048_576),
    /** Whole-batch attempts before the indexer stops (uncommitted, so nothing is lost). */
    INDEXER_MAX_WRITE_ATTEMPTS: int(1, 100).default(8),
    INDEXER_GROUP_ID: z.string().trim().min(1).max(200).default('weaviate-indexer'),
    /** Log every indexed record (with EMBEDDINGS_VERSION) in service_processing_log, for entity_processing_status (docs/tracking.md). */
    INDEXER_LOG_SUCCEEDED: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    INDEXER_OPPORTUNITY_TOPIC: topic.default(ENTITY_TOPICS.opportunity.name),
    INDEXER_DOCUMENT_TOPIC: topic.default(ENTITY_TOPICS.contract_document.name),
    /** Set by the k8s Job: index everything the topics hold now, under group <group>.job.<id>, then exit. */
    MIGRATION_ID: z.uuid().optional(),
    /** How often Job mode checks whether the committed offsets reached the end offsets. */
    INDEXER_JOB_POLL_MS: int(100, 60_000).default(1_000),
  })
  .superRefine((config, ctx) => {
    if (config.WEAVIATE_VECTORIZER !== 'none' && !config.TRANSFORMERS_INFERENCE_URL) {
      ctx.addIssue({ code: 'custom', path: ['TRANSFORMERS_INFERENCE_URL'], message: `is required with WEAVIATE_VECTORIZER=${config.WEAVIATE_VECTORIZER}` });
    }
  });

export type WeaviateIndexerConfig = z.infer<typeof weaviateIndexerConfigSchema>;
