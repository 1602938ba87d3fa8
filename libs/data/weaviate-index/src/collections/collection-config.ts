import weaviate, { type CollectionConfigCreate, type PropertyConfigCreate } from 'weaviate-client';
import type { CollectionDefinition, PropertyDefinition } from './collection.types';

/** The name of the one vector every indexed collection has. */
export const VECTOR_NAME = 'default';

function propertyCreate(p: PropertyDefinition, vectorized = false): PropertyConfigCreate<undefined> {
  return {
    name: p.name,
    dataType: p.dataType,
    description: p.description,
    indexFilterable: p.indexFilterable,
    indexSearchable: p.indexSearchable,
    indexRangeFilters: p.indexRangeFilters,
    ...(p.tokenization ? { tokenization: p.tokenization } : {}),
    ...(vectorized ? { vectorizePropertyName: false } : {}),
  };
}

/**
 * How the HNSW graph is built: pgvector's defaults (ef_construction 64, m 16) instead of
 * Weaviate's (128, 32). Building the graph is about half of Weaviate's CPU per imported object;
 * with these and the trimmed property indexes a direct import of 50,000 opportunities ran at
 * 1,507 objects/s against 979 on two cores (docs/benchmarks.md). Both are fixed at creation.
 */
export const HNSW_BUILD = { efConstruction: 64, maxConnections: 16 } as const;

/**
 * The v3 `collections.create` argument for a definition. With text2vec-transformers Weaviate
 * embeds `vectorSourceProperties` itself (at TRANSFORMERS_INFERENCE_URL); with `none` the
 * indexer supplies the vectors. Either way BM25 uses the inverted index, not the vectorizer.
 */
export function collectionCreateConfig(definition: CollectionDefinition): CollectionConfigCreate {
  const vectorIndexConfig = weaviate.configure.vectorIndex.hnsw(
    definition.skipVectorIndex ? { skip: true } : { distanceMetric: 'cosine', ...HNSW_BUILD },
  );
  const vectorizers =
    definition.vectorizer.kind === 'text2vec-transformers'
      ? weaviate.configure.vectors.text2VecTransformers<undefined, string>({
          name: VECTOR_NAME,
          sourceProperties: definition.vectorSourceProperties,
          inferenceUrl: definition.vectorizer.inferenceUrl,
          vectorIndexConfig,
          // Neither the collection name nor the property names go into the embedded text, so the
          // module embeds exactly moduleVectorInput(...) and the indexer can compute the same
          // vector itself (a re-embed after a model change; see reembedStale). weaviate-client's
          // types omit the option on configure.vectors but pass it through.
          ...({ vectorizeCollectionName: false } as object),
        })
      : weaviate.configure.vectors.selfProvided<string>({ name: VECTOR_NAME, vectorIndexConfig });
  return {
    name: definition.name,
    description: definition.description,
    properties: definition.properties.map((p) =>
      propertyCreate(p, definition.vectorizer.kind === 'text2vec-transformers' && definition.vectorSourceProperties.includes(p.name)),
    ),
    vectorizers,
  };
}

export function propertyConfigCreate(p: PropertyDefinition): PropertyConfigCreate<undefined> {
  return propertyCreate(p);
}
