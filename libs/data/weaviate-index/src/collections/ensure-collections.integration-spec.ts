import type { WeaviateClient } from 'weaviate-client';
import { connectWeaviate } from '@mch/infra-weaviate';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { ensureIndex, indexDefinitions } from '../index-definitions';
import { dropIndex, quietLogger, uniqueIndexNames } from '../testing/weaviate-test-support';
import { collectionCreateConfig } from './collection-config';
import type { CollectionDefinition } from './collection.types';
import { opportunityCollection } from './opportunity.collection';

const logger = quietLogger();
const none = { kind: 'none' as const, dimensions: 256 };

describe('ensureIndex (real Weaviate)', () => {
  let client: WeaviateClient;
  const used: ReturnType<typeof uniqueIndexNames>[] = [];
  const names = (label: string) => {
    const n = uniqueIndexNames(label);
    used.push(n);
    return n;
  };

  beforeAll(async () => {
    client = await connectWeaviate(loadConfig(weaviateEnvSchema));
  });
  afterAll(async () => {
    for (const n of used) await dropIndex(client, n);
    await client.close();
  });

  it('creates the three collections once; a second run finds them unchanged', async () => {
    const n = names('Ens');
    expect((await ensureIndex(client, n, none, logger)).map((r) => r.status)).toEqual(['created', 'created', 'created']);
    expect((await ensureIndex(client, n, none, logger)).map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const config = await client.collections.use(n.opportunity).config.get();
    const agency = config.properties.find((p) => p.name === 'agency');
    expect(agency).toMatchObject({ dataType: 'text', tokenization: 'field' });
    expect(config.properties.some((p) => p.dataType === 'string')).toBe(false);
    expect(config.vectorizers.default.vectorizer.name).toBe('none');
    expect(config.vectorizers.default.indexConfig).toMatchObject({ efConstruction: 64, maxConnections: 16, distance: 'cosine' });
    expect(config.properties.find((p) => p.name === 'description')).toMatchObject({ indexSearchable: true, indexFilterable: false });
    expect(config.properties.find((p) => p.name === 'noticeId')).toMatchObject({ indexSearchable: false, indexFilterable: true });
  });

  it('keeps writing into a collection of the earlier release, which indexed every property both ways', async () => {
    const n = names('Earlier');
    const definition = opportunityCollection(n.opportunity, none);
    const everyIndex = definition.properties.map((p) => (p.dataType.startsWith('text') ? { ...p, indexFilterable: true, indexSearchable: true } : p));
    await client.collections.create(collectionCreateConfig({ ...definition, properties: everyIndex }));
    const [opportunity] = await ensureIndex(client, n, none, logger);
    expect(opportunity).toEqual({ name: n.opportunity, status: 'unchanged', changes: [] });
    const config = await client.collections.use(n.opportunity).config.get();
    expect(config.properties.find((p) => p.name === 'description')).toMatchObject({ indexFilterable: true });
  });

  it('adds a property the existing collection lacks and reports it', async () => {
    const n = names('Add');
    const definition = opportunityCollection(n.opportunity, none);
    await client.collections.create(
      collectionCreateConfig({ ...definition, properties: definition.properties.filter((p) => p.name !== 'placeOfPerformanceState') }),
    );
    const [opportunity] = await ensureIndex(client, n, none, logger);
    expect(opportunity).toEqual({ name: n.opportunity, status: 'updated', changes: ['added property placeOfPerformanceState (text)'] });
    const config = await client.collections.use(n.opportunity).config.get();
    expect(config.properties.find((p) => p.name === 'placeOfPerformanceState')).toMatchObject({ tokenization: 'field' });
  });

  it('upgrades collections of the previous definition in place: causationId, lossyFields and rawValues added once, objects kept', async () => {
    const n = names('Upgrade');
    const added = ['causationId', 'lossyFields', 'rawValues'];
    const previous = (d: CollectionDefinition): CollectionDefinition => ({ ...d, properties: d.properties.filter((p) => !added.includes(p.name)) });
    const [opportunityDef, documentDef] = indexDefinitions(n, none);
    await client.collections.create(collectionCreateConfig(previous(opportunityDef)));
    await client.collections.create(collectionCreateConfig(previous(documentDef)));
    const id = '5e0c2a61-3b7d-4f7e-9a42-0d8c1e2f3a4b';
    await client.collections.use(n.opportunity).data.insert({ id, properties: { title: 'kept across the upgrade' }, vectors: new Array(256).fill(0.1) });
    const results = await ensureIndex(client, n, none, logger);
    const changes = ['added property causationId (uuid)', 'added property lossyFields (text[])', 'added property rawValues (text)'];
    expect(results.map((r) => [r.status, [...r.changes].sort()])).toEqual([['updated', changes], ['updated', changes], ['created', []]]);
    expect((await ensureIndex(client, n, none, logger)).map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect((await client.collections.use(n.opportunity).query.fetchObjectById(id))?.properties.title).toBe('kept across the upgrade');
  });

  it('refuses a collection whose definition changed, listing every difference', async () => {
    const n = names('Drift');
    const definition = opportunityCollection(n.opportunity, none);
    await client.collections.create(
      collectionCreateConfig({
        ...definition,
        properties: definition.properties.map((p) => (p.name === 'naicsCode' ? { ...p, tokenization: 'word' as const } : p)),
      }),
    );
    // Auto-schema adds a property silently when an object carries an unknown one.
    await client.collections.use(n.opportunity).data.insert({ properties: { title: 'x', keywords: 'gloves' }, vectors: new Array(256).fill(0.1) });
    await expect(ensureIndex(client, n, none, logger)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      details: {
        id: n.opportunity,
        differences: ['property naicsCode: tokenization is word, definition says field', 'property keywords (text) is not in the definition'],
      },
    });
  });

  it('refuses a vector length other than the configured one', async () => {
    const n = names('Dims');
    await ensureIndex(client, n, none, logger);
    await client.collections.use(n.opportunity).data.insert({ properties: { title: 'x' }, vectors: [0.1, 0.2, 0.3] });
    await expect(ensureIndex(client, n, none, logger)).rejects.toThrow(/stored vectors have 3 dimensions, configured 256/);
  });

  it('sends text2vec-transformers to the server, which refuses it here because the module is not enabled', async () => {
    const n = names('T2v');
    await expect(ensureIndex(client, n, { kind: 'text2vec-transformers', inferenceUrl: 'http://t2v:8080' }, logger)).rejects.toThrow(
      /no module with name \\"text2vec-transformers\\" present/,
    );
    expect(await client.collections.exists(n.opportunity)).toBe(false);
  });
});
