import weaviate, { type WeaviateClient } from 'weaviate-client';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { connectWeaviate } from './weaviate.client';
import { listObjectsAfter } from './weaviate-rest';

describe('Weaviate through the project client (real server)', () => {
  let client: WeaviateClient;
  const name = 'ItWeaviateRoundtrip';
  const listed = 'ItWeaviateRestList';

  beforeAll(async () => {
    client = await connectWeaviate(loadConfig(weaviateEnvSchema));
    await client.collections.delete(name).catch(() => undefined);
    await client.collections.delete(listed).catch(() => undefined);
  });
  afterAll(async () => {
    await client.collections.delete(name).catch(() => undefined);
    await client.collections.delete(listed).catch(() => undefined);
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

  it('lists every object over REST, page by page in id order, with the values gRPC returns', async () => {
    await client.collections.create({
      name: listed,
      vectorizers: weaviate.configure.vectors.selfProvided(),
      properties: [
        { name: 'title', dataType: 'text' },
        { name: 'amount', dataType: 'number' },
        { name: 'postedAt', dataType: 'date' },
        { name: 'codes', dataType: 'text[]' },
      ],
    });
    const collection = client.collections.use(listed);
    const objects = Array.from({ length: 25 }, (_, i) => ({
      id: `${i.toString(16).padStart(8, '0')}-5b2d-4c8e-9f01-23456789abcd`,
      properties: { title: `Lot ${i} \u00d8 "gloves"\n`, amount: 1000.5 + i, postedAt: new Date(Date.UTC(2025, i % 12, 1, 12, 0, 0, i)).toISOString(), codes: [`3391${i}`, 'x'] },
    }));
    expect((await collection.data.insertMany(objects)).hasErrors).toBe(false);

    const pages: string[][] = [];
    let after: string | null = null;
    const rest = new Map<string, Record<string, unknown>>();
    for (;;) {
      const page = await listObjectsAfter(client, listed, 10, after);
      pages.push(page.map((o) => o.id));
      for (const o of page) rest.set(o.id, o.properties);
      if (page.length < 10) break;
      after = page[page.length - 1].id;
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(objects.map((o) => o.id));
    const grpc = await collection.query.fetchObjects({ limit: 100 });
    for (const o of grpc.objects) {
      const viaRest = rest.get(o.uuid) as Record<string, unknown>;
      const p = o.properties as Record<string, unknown>;
      expect([viaRest.title, viaRest.amount, viaRest.codes]).toEqual([p.title, p.amount, p.codes]);
      expect(new Date(String(viaRest.postedAt)).toISOString()).toBe(new Date(p.postedAt as string | Date).toISOString());
    }
    await expect(listObjectsAfter(client, 'ItNoSuchCollection', 10, null)).rejects.toThrow(/ItNoSuchCollection answered 4\d\d/);
  });
});
