import { loadConfig } from '@mch/util-config';
import { groupId, loopOptions, vectorizerSettings } from './index-settings';
import { weaviateIndexerConfigSchema } from './weaviate-indexer.config';

const load = (env: Record<string, string>) => loadConfig(weaviateIndexerConfigSchema, env);

describe('weaviate-indexer settings', () => {
  it('defaults to self-provided 256-dimension vectors, the contract topics and streaming mode', () => {
    const config = load({});
    expect(vectorizerSettings(config)).toEqual({ kind: 'none', dimensions: 256 });
    const options = loopOptions(config);
    expect(options.topics).toEqual({ opportunity: 'contracts.opportunities.events', contract_document: 'contracts.documents.events' });
    expect(options.groupId).toBe('weaviate-indexer');
    expect(options.sink.names).toEqual({ opportunity: 'Opportunity', contractDocument: 'ContractDocument', tombstone: 'IndexTombstone' });
    expect(options.sink.embedder?.dimensions).toBe(256);
    expect(options.sink).toMatchObject({ batchSize: 200, concurrency: 8, embeddingsVersion: 1 });
  });

  it('bounds each Kafka fetch to 8 MiB (1 MiB per partition) by default, settable, with limits named', () => {
    expect(loopOptions(load({}))).toMatchObject({ fetchMaxBytes: 8 * 1_048_576, fetchMaxBytesPerPartition: 1_048_576 });
    expect(loopOptions(load({ INDEXER_FETCH_MAX_BYTES: '33554432', INDEXER_FETCH_MAX_BYTES_PER_PARTITION: '4194304' }))).toMatchObject({
      fetchMaxBytes: 33_554_432,
      fetchMaxBytesPerPartition: 4_194_304,
    });
    expect(() => load({ INDEXER_FETCH_MAX_BYTES: '1000' })).toThrow(/INDEXER_FETCH_MAX_BYTES/);
  });

  it('uses text2vec-transformers (no client-side embedder) with its inference URL, and requires the URL', () => {
    const config = load({ WEAVIATE_VECTORIZER: 'text2vec-transformers', TRANSFORMERS_INFERENCE_URL: 'http://t2v:8080' });
    expect(vectorizerSettings(config)).toEqual({ kind: 'text2vec-transformers', inferenceUrl: 'http://t2v:8080' });
    expect(loopOptions(config).sink.embedder).toBeNull();
    expect(() => load({ WEAVIATE_VECTORIZER: 'text2vec-transformers' })).toThrow(
      /TRANSFORMERS_INFERENCE_URL is missing|TRANSFORMERS_INFERENCE_URL is invalid: is required/,
    );
  });

  it('uses transformers-client: self-provided vectors from the inference service, and requires the URL', () => {
    const config = load({ WEAVIATE_VECTORIZER: 'transformers-client', TRANSFORMERS_INFERENCE_URL: 'http://inference:8080', WEAVIATE_VECTOR_DIMENSIONS: '384' });
    expect(vectorizerSettings(config)).toEqual({ kind: 'none', dimensions: 384 });
    expect(loopOptions(config).sink.embedder).toMatchObject({ name: 'transformers-client:http://inference:8080', dimensions: 384 });
    expect(() => load({ WEAVIATE_VECTORIZER: 'transformers-client' })).toThrow(
      /TRANSFORMERS_INFERENCE_URL is missing|TRANSFORMERS_INFERENCE_URL is invalid: is required/,
    );
  });

  it('logs indexed records in the processing log, with the embeddings version, only when INDEXER_LOG_SUCCEEDED is true', () => {
    expect(loopOptions(load({})).logSucceeded).toBeUndefined();
    const logged = loopOptions(load({ INDEXER_LOG_SUCCEEDED: 'true', EMBEDDINGS_VERSION: '7' })).logSucceeded;
    expect(logged?.action).toBe('index');
    expect(logged?.metadata?.({ topic: 't', partition: 0, offset: '0', key: null, value: null, headers: {} })).toEqual({ embeddingVersion: 7 });
    expect(() => load({ INDEXER_LOG_SUCCEEDED: 'yes' })).toThrow('INDEXER_LOG_SUCCEEDED');
  });

  it('gives Job mode a consumer group per migration, so a re-run of the Job resumes it', () => {
    expect(groupId(load({ MIGRATION_ID: '2d8e2b4f-6c3e-4d9f-8a12-3456789abcde' }))).toBe('weaviate-indexer.job.2d8e2b4f-6c3e-4d9f-8a12-3456789abcde');
  });

  it('names invalid settings', () => {
    expect(() => load({ WEAVIATE_COLLECTION_PREFIX: 'it-1' })).toThrow(/WEAVIATE_COLLECTION_PREFIX is invalid/);
    expect(() => load({ WEAVIATE_BATCH_SIZE: '5000' })).toThrow(/WEAVIATE_BATCH_SIZE is invalid/);
    expect(() => load({ MIGRATION_ID: 'run-1' })).toThrow(/MIGRATION_ID is invalid/);
  });
});
