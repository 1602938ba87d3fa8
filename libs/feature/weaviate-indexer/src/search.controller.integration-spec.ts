import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import weaviate, { type WeaviateClient } from 'weaviate-client';
import { collectionCreateConfig, indexCollectionNames, inferenceEmbedder, opportunityCollection } from '@mch/data-weaviate-index';
import { OPPORTUNITIES } from '@mch/feature-inference';
import { WEAVIATE_CLIENT } from '@mch/infra-weaviate';
import { DomainExceptionHttpFilter, SERVICE_CONFIG } from '@mch/nest-bootstrap';
import { createLogger } from '@mch/util-logger';
import { SearchController } from './search.controller';
import { weaviateIndexerConfigSchema } from './weaviate-indexer.config';

// GET /search over real HTTP against the semantic-stack Weaviate (tools/stack/semantic-stack.sh),
// with the indexer's transformers-client settings. The controller alone in a Nest app (the full
// service needs Kafka and PostgreSQL, which this route does not use). ~3 s once the instance is up.
const ROOT = path.resolve(__dirname, '../../../..');

describe('GET /search', () => {
  let client: WeaviateClient;
  let app: INestApplication;
  let url: string;
  const prefix = `Search${process.pid}${Date.now()}`;
  const names = indexCollectionNames(prefix);

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
    await client.collections.create(collectionCreateConfig(opportunityCollection(names.opportunity, { kind: 'none', dimensions: 384 })));
    const vectors = await (await inferenceEmbedder({ url: env.INFERENCE_URL })).embed(OPPORTUNITIES);
    const inserted = await client.collections
      .get(names.opportunity)
      .data.insertMany(OPPORTUNITIES.map((title, i) => ({ properties: { title, agency: i % 2 ? 'VA' : 'DHA' }, vectors: vectors[i] })));
    expect(inserted.hasErrors).toBe(false);
    const config = weaviateIndexerConfigSchema.parse({
      WEAVIATE_VECTORIZER: 'transformers-client',
      TRANSFORMERS_INFERENCE_URL: env.INFERENCE_URL,
      WEAVIATE_VECTOR_DIMENSIONS: '384',
      WEAVIATE_COLLECTION_PREFIX: prefix,
    });
    @Module({
      controllers: [SearchController],
      providers: [
        { provide: WEAVIATE_CLIENT, useValue: client },
        { provide: SERVICE_CONFIG, useValue: { app: config } },
      ],
    })
    class SearchSpecModule {}
    app = await NestFactory.create(SearchSpecModule, { logger: false });
    app.useGlobalFilters(new DomainExceptionHttpFilter(createLogger({ service: 'search-spec', level: 'error', sink: () => undefined })));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await client?.collections.delete(names.opportunity);
    await client?.close();
  });

  it('answers a query by meaning with the agency filter applied', async () => {
    const res = await fetch(`${url}/search?q=${encodeURIComponent('flu shots')}&agency=VA&limit=3&mode=near`);
    expect(res.status).toBe(200);
    const { hits } = (await res.json()) as { hits: { properties: { title: string; agency: string } }[] };
    expect(hits[0].properties.title).toBe('Influenza vaccine doses for veterans');
    expect(hits.every((h) => h.properties.agency === 'VA')).toBe(true);
  });

  it('answers a bad parameter with 400 naming it', async () => {
    const res = await fetch(`${url}/search?q=x&limit=0`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("limit: an integer 1..100, got '0'");
    const missing = await fetch(`${url}/search`);
    expect(missing.status).toBe(400);
  });
});
