import type { CollectionConfig, PropertyConfig } from 'weaviate-client';
import { compareDefinition } from './collection-drift';
import { opportunityCollection } from './opportunity.collection';
import type { PropertyDefinition } from './collection.types';

const definition = opportunityCollection('Opportunity', { kind: 'none', dimensions: 256 });

function serverProperty(p: PropertyDefinition): PropertyConfig {
  return {
    name: p.name,
    dataType: p.dataType,
    description: p.description,
    indexInverted: false,
    indexFilterable: p.indexFilterable,
    indexSearchable: p.indexSearchable,
    indexRangeFilters: p.indexRangeFilters,
    tokenization: p.tokenization ?? 'none',
  };
}

function serverConfig(overrides: { properties?: PropertyConfig[]; vectorizer?: string; skip?: boolean } = {}): CollectionConfig {
  return {
    name: 'Opportunity',
    properties: overrides.properties ?? definition.properties.map(serverProperty),
    vectorizers: {
      default: {
        vectorizer: { name: overrides.vectorizer ?? 'none', config: {} },
        indexConfig: { distance: 'cosine', skip: overrides.skip ?? false, type: 'hnsw' },
        indexType: 'hnsw',
      },
    },
  } as unknown as CollectionConfig;
}

describe('compareDefinition', () => {
  it('finds nothing when the server has exactly the definition', () => {
    expect(compareDefinition(definition, serverConfig())).toEqual({ missing: [], conflicts: [] });
  });

  it('reports a property the server lacks as missing (safe to add)', () => {
    const properties = definition.properties.filter((p) => p.name !== 'status').map(serverProperty);
    const drift = compareDefinition(definition, serverConfig({ properties }));
    expect(drift.missing.map((p) => p.name)).toEqual(['status']);
    expect(drift.conflicts).toEqual([]);
  });

  it('reports a changed tokenization or data type as a conflict naming property and both values', () => {
    const properties = definition.properties.map(serverProperty).map((p) =>
      p.name === 'agency' ? { ...p, tokenization: 'word' } : p.name === 'embeddings_version' ? { ...p, dataType: 'number' } : p,
    );
    expect(compareDefinition(definition, serverConfig({ properties })).conflicts).toEqual([
      'property agency: tokenization is word, definition says field',
      'property embeddings_version: dataType is number, definition says int',
    ]);
  });

  it('accepts an index the definition does not need (a collection of an earlier release) but not a missing one', () => {
    const earlier = definition.properties.map(serverProperty).map((p) =>
      p.name === 'description' ? { ...p, indexFilterable: true } : p.name === 'noticeId' ? { ...p, indexSearchable: true } : p,
    );
    expect(compareDefinition(definition, serverConfig({ properties: earlier })).conflicts).toEqual([]);
    const lacking = definition.properties.map(serverProperty).map((p) =>
      p.name === 'agency' ? { ...p, indexFilterable: false } : p.name === 'title' ? { ...p, indexSearchable: false } : p,
    );
    expect(compareDefinition(definition, serverConfig({ properties: lacking })).conflicts).toEqual([
      'property title: indexSearchable is false, definition says true',
      'property agency: indexFilterable is false, definition says true',
    ]);
  });

  it('reports a property that is not in the definition (auto-schema) and another vectorizer', () => {
    const properties = [...definition.properties.map(serverProperty), { ...serverProperty(definition.properties[0]), name: 'keywords' }];
    const drift = compareDefinition(definition, serverConfig({ properties, vectorizer: 'text2vec-openai' }));
    expect(drift.conflicts).toEqual(['property keywords (text) is not in the definition', 'vectorizer is text2vec-openai, definition says none']);
  });

  it('checks inference URL and vectorized properties of text2vec-transformers', () => {
    const t2v = opportunityCollection('Opportunity', { kind: 'text2vec-transformers', inferenceUrl: 'http://t2v:8080' });
    const config = serverConfig({ vectorizer: 'text2vec-transformers' });
    config.vectorizers.default.vectorizer.config = { inferenceUrl: 'http://old:8080' };
    config.vectorizers.default.properties = ['title'];
    expect(compareDefinition(t2v, config).conflicts).toEqual([
      'text2vec-transformers inferenceUrl is http://old:8080, definition says http://t2v:8080',
      'text2vec-transformers embeds the collection name, definition says it does not',
      'vectorized properties are [title], definition says [title,description,requirements]',
    ]);
    config.vectorizers.default.vectorizer.config = { inferenceUrl: 'http://t2v:8080', vectorizeCollectionName: false };
    config.vectorizers.default.properties = ['title', 'description', 'requirements'];
    expect(compareDefinition(t2v, config).conflicts).toEqual([]);
  });
});
