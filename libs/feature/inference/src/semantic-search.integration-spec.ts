import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import weaviate, { type WeaviateClient } from 'weaviate-client';
import {
  collectionCreateConfig,
  inferenceEmbedder,
  opportunityCollection,
  parseSearchParams,
  SearchParamError,
  semanticSearch,
  type TextEmbedder,
} from '@mch/data-weaviate-index';
import { OPPORTUNITIES, QUERIES } from './meaning.fixture';

// nearText and hybrid with filters over the real opportunity collection definition, once through
// the module (Weaviate embeds) and once with client-side vectors (the indexer's transformers-client
// path). Uses tools/stack/semantic-stack.sh's instance; ~4 s once it is up.
const ROOT = path.resolve(__dirname, '../../../..');
const AGENCIES = ['VA', 'DHA', 'IHS'];
const SET_ASIDES = ['SBA', '8A', 'SDVOSBC', 'NONE'];
const deadline = (i: number) => new Date(Date.UTC(2027, 0, 1 + i * 7));

describe('semantic search over opportunities (nearText, hybrid, filters)', () => {
  let client: WeaviateClient;
  let embedder: TextEmbedder;
  const suffix = `${process.pid}${Date.now()}`;
  const names = { module: `SemanticOppModule${suffix}`, client: `SemanticOppClient${suffix}` };

  beforeAll(async () => {
    const script = path.join(ROOT, 'tools/stack/semantic-stack.sh');
    execFileSync('bash', [script, 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const envFile = execFileSync('bash', [script, 'env'], { encoding: 'utf8' }).trim();
    const env = Object.fromEntries([...readFileSync(envFile, 'utf8').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    client = await weaviate.connectToLocal({
      host: env.WEAVIATE_HOST,
      port: Number(env.WEAVIATE_HTTP_PORT),
      grpcPort: Number(env.WEAVIATE_GRPC_PORT),
      authCredentials: new weaviate.ApiKey(env.WEAVIATE_API_KEY),
    });
    embedder = await inferenceEmbedder({ url: env.INFERENCE_URL });
    await client.collections.create(
      collectionCreateConfig(opportunityCollection(names.module, { kind: 'text2vec-transformers', inferenceUrl: env.INFERENCE_URL })),
    );
    await client.collections.create(collectionCreateConfig(opportunityCollection(names.client, { kind: 'none', dimensions: 384 })));
    const objects = OPPORTUNITIES.map((title, i) => ({
      title,
      description: '',
      agency: AGENCIES[i % AGENCIES.length],
      naicsCode: i % 2 === 0 ? '339113' : '621999',
      setAsideType: SET_ASIDES[i % SET_ASIDES.length],
      responseDeadline: deadline(i),
    }));
    const vectors = await embedder.embed(OPPORTUNITIES);
    const m = await client.collections.get(names.module).data.insertMany(objects);
    const c = await client.collections.get(names.client).data.insertMany(objects.map((properties, i) => ({ properties, vectors: vectors[i] })));
    expect([m.hasErrors, c.hasErrors]).toEqual([false, false]);
  }, 180_000);

  afterAll(async () => {
    await client?.collections.delete(names.module);
    await client?.collections.delete(names.client);
    await client?.close();
  });

  const paths = () => [
    ['module (nearText)', names.module, null],
    ['client-side vectors', names.client, embedder],
  ] as const;

  it.each(['module', 'client'] as const)('%s path: nearText finds answers sharing no word with the query', async (which) => {
    const [, name, emb] = paths().find(([, n]) => n === names[which])!;
    let top1 = 0;
    for (const [query, answer] of QUERIES) {
      const hits = await semanticSearch(client.collections.get(name), parseSearchParams({ q: query, mode: 'near', limit: '5' }), emb);
      if (hits[0]?.properties.title === OPPORTUNITIES[answer]) top1++;
    }
    expect(top1 / QUERIES.length).toBeGreaterThanOrEqual(0.85);
  });

  it.each(['module', 'client'] as const)('%s path: hybrid with agency, NAICS, set-aside and deadline filters', async (which) => {
    const [, name, emb] = paths().find(([, n]) => n === names[which])!;
    const collection = client.collections.get(name);
    // Wound care (index 0): VA, 339113, SBA, deadline(0).
    const hit = await semanticSearch(
      collection,
      parseSearchParams({ q: 'bandages and gauze', agency: 'VA', naics: '339113', setAside: 'SBA', deadlineFrom: '2027-01-01', deadlineTo: '2027-01-01' }),
      emb,
    );
    expect(hit.map((h) => h.properties.title)).toEqual([OPPORTUNITIES[0]]);
    // The same query outside its agency never returns it, and every hit honours the filter.
    const other = await semanticSearch(collection, parseSearchParams({ q: 'bandages and gauze', agency: 'DHA' }), emb);
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((h) => h.properties.agency === 'DHA')).toBe(true);
    const late = await semanticSearch(collection, parseSearchParams({ q: 'vehicles', deadlineFrom: '2027-03-01', limit: '100' }), emb);
    expect(late.length).toBe(OPPORTUNITIES.filter((_, i) => deadline(i) >= new Date('2027-03-01')).length);
    expect(late.every((h) => (h.properties.responseDeadline as Date) >= new Date('2027-03-01'))).toBe(true);
  });

  it('refuses bad parameters naming the field and limit', () => {
    expect(() => parseSearchParams({ q: '' })).toThrow(new SearchParamError('q: a non-empty query text is required'));
    expect(() => parseSearchParams({ q: 'x', limit: '101' })).toThrow("limit: an integer 1..100, got '101'");
    expect(() => parseSearchParams({ q: 'x', alpha: '2' })).toThrow("alpha: a number 0..1, got '2'");
    expect(() => parseSearchParams({ q: 'x', mode: 'bm25' })).toThrow("mode: near or hybrid, got 'bm25'");
    expect(() => parseSearchParams({ q: 'x', deadlineFrom: 'tomorrow' })).toThrow('deadlineFrom: an ISO-8601 date');
    expect(() => parseSearchParams({ q: 'x', deadlineFrom: '2027-02-01', deadlineTo: '2027-01-01' })).toThrow('deadlineFrom: must not be after deadlineTo');
  });
});
