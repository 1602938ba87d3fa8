import weaviate, { type CollectionConfigCreate, type PropertyConfigCreate } from 'weaviate-client';
import type { CollectionDefinition, PropertyDefinition } from './collection.types';

/** The name of the one vector every indexed collection has. */
export const VECTOR_NAME = 'default';

function propertyCreate(p: PropertyDefinition): PropertyConfigCreate<undefined> {
  return {
    name: p.name,
    dataType: p.dataType,
    description: p.description,
    indexFilterable: p.indexFilterable,
    indexSearchable: p.indexSearchable,
    indexRangeFilters: p.indexRangeFilters,
    ...(p.tokenization ? { tokenization: p.tokenization } : {}),
  };
}

/**
 * The v3 `collections.create` argument for a definition. With text2vec-transformers Weaviate
 * embeds `vectorSourceProperties` itself (at TRANSFORMERS_INFERENCE_URL); with `none` the
 * indexer supplies the vectors. Either way BM25 uses the inverted index, not the vectorizer.
 */
export function collectionCreateConfig(definition: CollectionDefinition): CollectionConfigCreate {
  const vectorIndexConfig = weaviate.configure.vectorIndex.hnsw(
    definition.skipVectorIndex ? { skip: true } : { distanceMetric: 'cosine' },
  );
  const vectorizers =
    definition.vectorizer.kind === 'text2vec-transformers'
      ? weaviate.configure.vectors.text2VecTransformers<undefined, string>({
          name: VECTOR_NAME,
          sourceProperties: definition.vectorSourceProperties,
          inferenceUrl: definition.vectorizer.inferenceUrl,
          vectorIndexConfig,
        })
      : weaviate.configure.vectors.selfProvided<string>({ name: VECTOR_NAME, vectorIndexConfig });
  return {
    name: definition.name,
    description: definition.description,
    properties: definition.properties.map(propertyCreate),
    vectorizers,
  };
}

export function propertyConfigCreate(p: PropertyDefinition): PropertyConfigCreate<undefined> {
  return propertyCreate(p);
}
