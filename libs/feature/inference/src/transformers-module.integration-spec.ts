import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import weaviate, { type WeaviateClient } from 'weaviate-client';
import {
  collectionCreateConfig,
  inferenceEmbedder,
  moduleVectorInput,
  opportunityCollection,
  opportunityProperties,
  toWeaviateProperties,
  vectorInput,
} from '@mch/data-weaviate-index';
import { sampleOpportunity } from '@mch/data-weaviate-index/testing';
import { OPPORTUNITIES, QUERIES } from './meaning.fixture';

// Real Weaviate with the text2vec-transformers module calling the real inference service, both
// from tools/stack/semantic-stack.sh (own dir and ports; ~10 s cold start, then reused). The
// shared stack's Weaviate has no such module and is not touched. ~3 s once the instance is up.
const ROOT = path.resolve(__dirname, '../../../..');
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('Weaviate text2vec-transformers module on the local inference service', () => {
  let client: WeaviateClient;
  let inferenceUrl: string;
  const suffix = `${process.pid}_${Date.now()}`;
  const moduleName = `SemanticModule_${suffix}`;
  const clientName = `SemanticClient_${suffix}`;
  const indexName = `SemanticIndex${suffix}`;

  beforeAll(async () => {
    execFileSync('bash', [path.join(ROOT, 'tools/stack/semantic-stack.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const envFile = execFileSync('bash', [path.join(ROOT, 'tools/stack/semantic-stack.sh'), 'env'], { encoding: 'utf8' }).trim();
    const env = Object.fromEntries([...readFileSync(envFile, 'utf8').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    inferenceUrl = env.INFERENCE_URL;
    client = await weaviate.connectToLocal({
      host: env.WEAVIATE_HOST,
      port: Number(env.WEAVIATE_HTTP_PORT),
      grpcPort: Number(env.WEAVIATE_GRPC_PORT),
      authCredentials: new weaviate.ApiKey(env.WEAVIATE_API_KEY),
    });
    await client.collections.create({
      name: moduleName,
      properties: [{ name: 'text', dataType: 'text', vectorizePropertyName: false }],
      // The module prepends the collection name unless told not to; weaviate-client 3.14 types omit
      // the option on configure.vectors but pass it through. Without it the cosine drops (shown once).
      vectorizers: weaviate.configure.vectors.text2VecTransformers({
        sourceProperties: ['text'],
        vectorizeCollectionName: false,
      } as unknown as Parameters<typeof weaviate.configure.vectors.text2VecTransformers>[0]),
    });
    await client.collections.create({
      name: clientName,
      properties: [{ name: 'text', dataType: 'text' }],
      vectorizers: weaviate.configure.vectors.selfProvided(),
    });
  }, 180_000);

  afterAll(async () => {
    await client?.collections.delete(moduleName);
    await client?.collections.delete(clientName);
    await client?.collections.delete(indexName);
    await client?.close();
  });

  it('stores the same vectors through the module as client-side vectors from the service', async () => {
    const texts = OPPORTUNITIES.slice(0, 6);
    const res = await fetch(`${inferenceUrl}/vectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts }),
    });
    const { vectors } = (await res.json()) as { vectors: number[][] };
    const viaModule = await client.collections.get(moduleName).data.insertMany(texts.map((text) => ({ text })));
    expect(viaModule.hasErrors).toBe(false);
    const viaClient = await client.collections
      .get(clientName)
      .data.insertMany(texts.map((text, i) => ({ properties: { text }, vectors: vectors[i] })));
    expect(viaClient.hasErrors).toBe(false);
    for (const [i, text] of texts.entries()) {
      const a = await client.collections.get(moduleName).query.fetchObjectById(viaModule.uuids[i], { includeVector: true });
      const b = await client.collections.get(clientName).query.fetchObjectById(viaClient.uuids[i], { includeVector: true });
      expect(a?.properties.text).toBe(text);
      const va = a?.vectors.default as number[];
      const vb = b?.vectors.default as number[];
      expect(va).toHaveLength(384);
      expect(cosine(va, vb)).toBeGreaterThan(0.9999);
    }
  });

  it('answers nearText through the module by meaning (a query about bandages finds the wound-care notice)', async () => {
    const [query, answer] = QUERIES[0];
    const result = await client.collections.get(moduleName).query.nearText(query, { limit: 3, returnMetadata: ['distance'] });
    expect(result.objects[0].properties.text).toBe(OPPORTUNITIES[answer]);
  });

  it("the index's own Opportunity collection: the module embeds exactly moduleVectorInput, so the indexer can recompute its vectors", async () => {
    await client.collections.create(collectionCreateConfig(opportunityCollection(indexName, { kind: 'text2vec-transformers', inferenceUrl })));
    const version = { position: 'lsn:0000000000000001', embeddingsVersion: 1, lineage: { eventId: randomUUID(), migrationRun: 'm', migrationId: randomUUID(), correlationId: randomUUID(), causationId: null, timestamp: '2026-12-05T00:00:00.000Z' } };
    const rows = OPPORTUNITIES.slice(0, 5).map((title, i) =>
      sampleOpportunity(randomUUID(), { title, description: i === 4 ? null : `${title}. Deliveries to VA medical centers within 30 days.` }),
    );
    const requirements = [['Wound care dressings', 'Latex-free gauze'], [], ['SAM registration'], [], ['ISO 13485']];
    const properties = rows.map((row, i) => opportunityProperties(row, requirements[i], version));
    const inserted = await client.collections.get(indexName).data.insertMany(properties.map((p, i) => ({ id: rows[i].id, properties: toWeaviateProperties(p) })));
    expect(inserted.hasErrors).toBe(false);
    const model = await inferenceEmbedder({ url: inferenceUrl });
    const expected = await model.embed(properties.map(moduleVectorInput));
    const indexerText = await model.embed(properties.map(vectorInput));
    for (const [i, row] of rows.entries()) {
      const stored = await client.collections.get(indexName).query.fetchObjectById(row.id, { includeVector: true });
      const vector = stored?.vectors.default as number[];
      expect(cosine(vector, expected[i])).toBeGreaterThan(0.9999);
      // The order matters: the indexer's own vectorInput (title first) is a different text.
      if (requirements[i].length > 0 || rows[i].description) expect(cosine(vector, indexerText[i])).toBeLessThan(0.9999);
    }
  });
});
