/**
 * What produced a collection's vectors, recorded on the collection itself (its description), so
 * that a backup restores the record together with the vectors it describes and every replica and
 * Job reads the same answer. A different identity means every stored vector is from another model:
 * the embeddings version goes up and the stored objects are re-embedded (reembedStale).
 */
export interface EmbeddingIdentity {
  /** How vectors reach Weaviate: the indexer (none / transformers-client) or Weaviate's module. */
  vectorizer: 'none' | 'transformers-client' | 'text2vec-transformers';
  /** The model as its producer names it (the inference service's /meta, or the hashing scheme). */
  model: string;
  /** Which weights or algorithm revision: the same name with other weights is another model. */
  revision: string;
  dimensions: number;
}

export interface EmbeddingRecord extends EmbeddingIdentity {
  /** The embeddings_version objects written under this identity carry. */
  embeddingsVersion: number;
  recordedAt: string;
}

export type EmbeddingDecisionReason = 'first-record' | 'unchanged' | 'version-raised' | 'model-changed';

export interface EmbeddingDecision {
  /** The embeddings_version to write and to re-embed up to. */
  version: number;
  reason: EmbeddingDecisionReason;
  /** Whether the collection's record must be (re)written. */
  write: boolean;
  /** What differs from the recorded identity (empty unless the model changed). */
  changes: string[];
}

/** Marker between the collection's own description and the record; one line of JSON after it. */
export const EMBEDDING_MARKER = '\n[mch-embeddings] ';

/** The hashing embedder's algorithm revision: bump it whenever hashingVector's output changes. */
export const HASHING_REVISION = 'fnv1a-unigram-bigram-1';

export function hashingIdentity(dimensions: number): EmbeddingIdentity {
  return { vectorizer: 'none', model: 'feature-hashing', revision: HASHING_REVISION, dimensions };
}

function differences(recorded: EmbeddingIdentity, current: EmbeddingIdentity): string[] {
  const keys: (keyof EmbeddingIdentity)[] = ['vectorizer', 'model', 'revision', 'dimensions'];
  return keys.filter((k) => recorded[k] !== current[k]).map((k) => `${k} ${String(recorded[k])} -> ${String(current[k])}`);
}

/**
 * The embeddings version to use, given what the collection records and what this process would
 * embed with. It never goes down (a lower EMBEDDINGS_VERSION than recorded would make the stored
 * vectors look newer than what is written): a raised setting raises it, a model change raises it
 * past the recorded one.
 */
export function decideEmbeddings(recorded: EmbeddingRecord | null, current: EmbeddingIdentity, configured: number): EmbeddingDecision {
  if (!recorded) return { version: configured, reason: 'first-record', write: true, changes: [] };
  const changes = differences(recorded, current);
  if (changes.length > 0) {
    return { version: Math.max(recorded.embeddingsVersion + 1, configured), reason: 'model-changed', write: true, changes };
  }
  if (configured > recorded.embeddingsVersion) return { version: configured, reason: 'version-raised', write: true, changes };
  return { version: recorded.embeddingsVersion, reason: 'unchanged', write: false, changes };
}

/** The record in a collection description, or null when there is none (or it cannot be read). */
export function parseEmbeddingRecord(description: string | undefined): EmbeddingRecord | null {
  const at = description?.lastIndexOf(EMBEDDING_MARKER) ?? -1;
  if (!description || at < 0) return null;
  try {
    const value = JSON.parse(description.slice(at + EMBEDDING_MARKER.length)) as Partial<EmbeddingRecord>;
    const ok =
      typeof value.vectorizer === 'string' &&
      typeof value.model === 'string' &&
      typeof value.revision === 'string' &&
      typeof value.dimensions === 'number' &&
      typeof value.embeddingsVersion === 'number' &&
      Number.isInteger(value.embeddingsVersion);
    return ok ? (value as EmbeddingRecord) : null;
  } catch {
    return null;
  }
}

/** The description with the record replacing any earlier one. */
export function withEmbeddingRecord(description: string | undefined, record: EmbeddingRecord): string {
  const base = description ?? '';
  const at = base.lastIndexOf(EMBEDDING_MARKER);
  const own = at < 0 ? base : base.slice(0, at);
  const { vectorizer, model, revision, dimensions, embeddingsVersion, recordedAt } = record;
  return own + EMBEDDING_MARKER + JSON.stringify({ vectorizer, model, revision, dimensions, embeddingsVersion, recordedAt });
}
