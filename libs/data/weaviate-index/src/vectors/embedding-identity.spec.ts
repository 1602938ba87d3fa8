import {
  decideEmbeddings,
  EMBEDDING_MARKER,
  hashingIdentity,
  parseEmbeddingRecord,
  withEmbeddingRecord,
  type EmbeddingIdentity,
  type EmbeddingRecord,
} from './embedding-identity';

const minilm: EmbeddingIdentity = { vectorizer: 'transformers-client', model: 'all-MiniLM-L6-v2', revision: 'aaaa', dimensions: 384 };
const record = (identity: EmbeddingIdentity, embeddingsVersion: number): EmbeddingRecord => ({ ...identity, embeddingsVersion, recordedAt: '2026-12-05T00:00:00Z' });

describe('decideEmbeddings', () => {
  it('records the configured version on a collection that has no record', () => {
    expect(decideEmbeddings(null, minilm, 1)).toEqual({ version: 1, reason: 'first-record', write: true, changes: [] });
  });

  it('keeps the recorded version for the same model, without writing', () => {
    expect(decideEmbeddings(record(minilm, 3), minilm, 1)).toEqual({ version: 3, reason: 'unchanged', write: false, changes: [] });
  });

  it('raises to a higher configured version (a manual re-embed)', () => {
    expect(decideEmbeddings(record(minilm, 3), minilm, 5)).toMatchObject({ version: 5, reason: 'version-raised', write: true });
  });

  it('goes past the recorded version when the weights change, naming what changed', () => {
    const decision = decideEmbeddings(record(minilm, 3), { ...minilm, revision: 'bbbb' }, 1);
    expect(decision).toEqual({ version: 4, reason: 'model-changed', write: true, changes: ['revision aaaa -> bbbb'] });
  });

  it('treats another vectorizer path or model as a change too', () => {
    const decision = decideEmbeddings(record(hashingIdentity(384), 1), minilm, 1);
    expect(decision.reason).toBe('model-changed');
    expect(decision.version).toBe(2);
    expect(decision.changes).toEqual([
      'vectorizer none -> transformers-client',
      'model feature-hashing -> all-MiniLM-L6-v2',
      'revision fnv1a-unigram-bigram-1 -> aaaa',
    ]);
  });
});

describe('the record in a collection description', () => {
  it('round-trips and keeps the collection description in front of it', () => {
    const text = withEmbeddingRecord('Federal contracting opportunity', record(minilm, 2));
    expect(text.startsWith('Federal contracting opportunity' + EMBEDDING_MARKER)).toBe(true);
    expect(parseEmbeddingRecord(text)).toEqual(record(minilm, 2));
  });

  it('replaces an earlier record instead of appending a second one', () => {
    const once = withEmbeddingRecord('Opportunity', record(minilm, 2));
    const twice = withEmbeddingRecord(once, record(minilm, 3));
    expect(twice.split(EMBEDDING_MARKER)).toHaveLength(2);
    expect(parseEmbeddingRecord(twice)?.embeddingsVersion).toBe(3);
  });

  it('reads no record from a plain or damaged description', () => {
    expect(parseEmbeddingRecord(undefined)).toBeNull();
    expect(parseEmbeddingRecord('Opportunity')).toBeNull();
    expect(parseEmbeddingRecord(`Opportunity${EMBEDDING_MARKER}{"model":`)).toBeNull();
    expect(parseEmbeddingRecord(`Opportunity${EMBEDDING_MARKER}{"model":"m"}`)).toBeNull();
  });
});
