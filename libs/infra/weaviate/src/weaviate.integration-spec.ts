import weaviate, { type WeaviateClient } from 'weaviate-client';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { connectWeaviate } from './weaviate.client';

describe('Weaviate through the project client (real server)', () => {
  let client: WeaviateClient;
  const name = 'ItWeaviateRoundtrip';

  beforeAll(async () => {
    client = await connectWeaviate(loadConfig(weaviateEnvSchema));
    await client.collections.delete(name).catch(() => undefined);
  });
  afterAll(async () => {
    await client.collections.delete(name).catch(() => undefined);
    await client.close();
  });

  it('is ready and reports its version', async () => {
    expect(await client.isReady()).toBe(true);
    const meta = await client.getMeta();
    expect(meta.version).toMatch(/^1\.\d+\.\d+/);
  });

  it('rejects a client without the API key', async () => {
    const config = loadConfig(weaviateEnvSchema);
    const anonymous = await connectWeaviate({ ...config, WEAVIATE_API_KEY: undefined });
    await expect(anonymous.collections.listAll()).rejects.toThrow(/401|anonymous|unauthori/i);
    await anonymous.close();
  });

  it('creates a collection, inserts objects with our ids over gRPC and finds one by BM25', async () => {
    await client.collections.create({
      name,
      vectorizers: weaviate.configure.vectors.selfProvided(),
      properties: [
        { name: 'title', dataType: 'text' },
        { name: 'naicsCode', dataType: 'text', tokenization: 'field' },
      ],
    });
    const collection = client.collections.use(name);
    const objects = [
      { id: '1c7f1a3e-5b2d-4c8e-9f01-23456789abcd', properties: { title: 'Orthopedic implants for VA hospitals', naicsCode: '339113' }, vectors: [0.1, 0.2, 0.3] },
      { id: '2d8e2b4f-6c3e-4d9f-8a12-3456789abcde', properties: { title: 'Nitrile examination gloves', naicsCode: '339113' }, vectors: [0.3, 0.2, 0.1] },
    ];
    const result = await collection.data.insertMany(objects);
    expect(result.hasErrors).toBe(false);

    const found = await collection.query.bm25('gloves', { limit: 5 });
    expect(found.objects.map((o) => o.uuid)).toEqual(['2d8e2b4f-6c3e-4d9f-8a12-3456789abcde']);
    const byId = await collection.query.fetchObjectById('1c7f1a3e-5b2d-4c8e-9f01-23456789abcd');
    expect(byId?.properties).toEqual({ title: 'Orthopedic implants for VA hospitals', naicsCode: '339113' });
  });
});
