import type { CollectionConfig, PropertyConfig } from 'weaviate-client';
import { VECTOR_NAME } from './collection-config';
import type { CollectionDefinition, PropertyDefinition } from './collection.types';

export interface CollectionDrift {
  /** Properties the definition has and the server lacks: adding them is safe. */
  missing: PropertyDefinition[];
  /** Every other difference, one readable line each: these need a new collection and a re-index. */
  conflicts: string[];
}

function propertyConflicts(want: PropertyDefinition, have: PropertyConfig): string[] {
  const out: string[] = [];
  const differ = (what: string, expected: unknown, actual: unknown) => {
    if (expected !== actual) out.push(`property ${want.name}: ${what} is ${String(actual)}, definition says ${String(expected)}`);
  };
  differ('dataType', want.dataType, have.dataType);
  if (want.tokenization) differ('tokenization', want.tokenization, have.tokenization);
  // An index the definition no longer asks for (a collection created by an earlier release) only
  // costs ingestion time; writes and queries stay right, so it is not a reason to stop.
  if (want.indexFilterable) differ('indexFilterable', want.indexFilterable, have.indexFilterable);
  if (want.indexSearchable) differ('indexSearchable', want.indexSearchable, have.indexSearchable);
  differ('indexRangeFilters', want.indexRangeFilters, have.indexRangeFilters);
  return out;
}

function vectorConflicts(definition: CollectionDefinition, config: CollectionConfig): string[] {
  const vector = config.vectorizers[VECTOR_NAME];
  if (!vector) {
    const names = Object.keys(config.vectorizers);
    return [`vector '${VECTOR_NAME}' is missing (server has ${names.length > 0 ? names.join(', ') : 'no named vectors'})`];
  }
  const out: string[] = [];
  const wanted = definition.vectorizer.kind;
  if (vector.vectorizer.name !== wanted) out.push(`vectorizer is ${vector.vectorizer.name}, definition says ${wanted}`);
  if (definition.vectorizer.kind === 'text2vec-transformers' && vector.vectorizer.name === wanted) {
    const config = (vector.vectorizer.config ?? {}) as { inferenceUrl?: string; vectorizeCollectionName?: boolean; vectorizeClassName?: boolean };
    if (config.inferenceUrl !== definition.vectorizer.inferenceUrl) {
      out.push(`text2vec-transformers inferenceUrl is ${String(config.inferenceUrl)}, definition says ${definition.vectorizer.inferenceUrl}`);
    }
    // With the name in the embedded text the indexer cannot recompute the module's vectors.
    if ((config.vectorizeCollectionName ?? config.vectorizeClassName) !== false) {
      out.push('text2vec-transformers embeds the collection name, definition says it does not');
    }
    const sources = (vector.properties ?? []).join(',');
    if (sources !== definition.vectorSourceProperties.join(',')) {
      out.push(`vectorized properties are [${sources}], definition says [${definition.vectorSourceProperties.join(',')}]`);
    }
  }
  const index = vector.indexConfig as { skip?: boolean; distance?: string };
  if (Boolean(index.skip) !== definition.skipVectorIndex) {
    out.push(`vector index skip is ${String(Boolean(index.skip))}, definition says ${String(definition.skipVectorIndex)}`);
  }
  if (!definition.skipVectorIndex && index.distance !== 'cosine') out.push(`vector distance is ${String(index.distance)}, definition says cosine`);
  return out;
}

/**
 * Compares what the server has with the definition. Extra properties count as conflicts: with
 * auto-schema on, a stray write adds properties silently, and that must not go unnoticed.
 */
export function compareDefinition(definition: CollectionDefinition, config: CollectionConfig): CollectionDrift {
  const byName = new Map(config.properties.map((p) => [p.name, p]));
  const missing: PropertyDefinition[] = [];
  const conflicts: string[] = [];
  for (const want of definition.properties) {
    const have = byName.get(want.name);
    if (have) conflicts.push(...propertyConflicts(want, have));
    else missing.push(want);
  }
  const defined = new Set(definition.properties.map((p) => p.name));
  for (const have of config.properties) {
    if (!defined.has(have.name)) conflicts.push(`property ${have.name} (${have.dataType}) is not in the definition`);
  }
  conflicts.push(...vectorConflicts(definition, config));
  return { missing, conflicts };
}
