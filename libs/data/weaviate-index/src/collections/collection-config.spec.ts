import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectWeaviate } from '@mch/infra-weaviate';
import { collectionCreateConfig } from './collection-config';
import { contractDocumentCollection } from './contract-document.collection';
import { opportunityCollection } from './opportunity.collection';

const transformers = { kind: 'text2vec-transformers' as const, inferenceUrl: 'http://t2v-transformers:8080' };

/** Captures what weaviate-client sends to the server's REST schema endpoint. */
async function captureSchemaRequest(work: (port: number) => Promise<void>): Promise<Record<string, unknown>> {
  let body = '';
  const server: Server = createServer((req, res) => {
    let chunk = '';
    req.on('data', (c: Buffer) => (chunk += c.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/schema') body = chunk;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/v1/meta' ? JSON.stringify({ version: '1.36.5' }) : chunk || '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await work((server.address() as AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return JSON.parse(body) as Record<string, unknown>;
}

describe('collectionCreateConfig', () => {
  it('uses current data types only: text with field tokenization for codes and agencies, no deprecated string', () => {
    const config = collectionCreateConfig(opportunityCollection('Opportunity', { kind: 'none', dimensions: 256 }));
    const byName = new Map((config.properties ?? []).map((p) => [p.name, p]));
    expect(config.properties?.some((p) => (p.dataType as string) === 'string')).toBe(false);
    for (const name of ['agency', 'naicsCode', 'noticeId', 'setAsideType', 'status']) expect(byName.get(name)).toMatchObject({ dataType: 'text', tokenization: 'field' });
    expect(byName.get('title')).toMatchObject({ dataType: 'text', tokenization: 'word', indexSearchable: true });
    expect(byName.get('requirements')).toMatchObject({ dataType: 'text[]', tokenization: 'word' });
    expect(byName.get('embeddings_version')).toMatchObject({ dataType: 'int' });
  });

  it('indexes only what search ranks or filters on: no filter index on prose, no BM25 index on codes the API filters', () => {
    const config = collectionCreateConfig(opportunityCollection('Opportunity', { kind: 'none', dimensions: 256 }));
    const byName = new Map((config.properties ?? []).map((p) => [p.name, p]));
    for (const name of ['title', 'description']) expect(byName.get(name)).toMatchObject({ indexSearchable: true, indexFilterable: false });
    for (const name of ['agency', 'naicsCode']) expect(byName.get(name)).toMatchObject({ indexSearchable: true, indexFilterable: true });
    for (const name of ['noticeId', 'setAsideType', 'status', 'placeOfPerformanceState']) expect(byName.get(name)).toMatchObject({ indexSearchable: false, indexFilterable: true });
    expect(byName.get('requirements')).toMatchObject({ indexSearchable: true, indexFilterable: true });
  });

  it('with vectorizer none declares a self-provided cosine HNSW vector named default', () => {
    const config = collectionCreateConfig(opportunityCollection('Opportunity', { kind: 'none', dimensions: 256 }));
    expect(config.vectorizers).toEqual({
      name: 'default',
      vectorizer: { name: 'none' },
      vectorIndex: { name: 'hnsw', config: { distance: 'cosine', efConstruction: 64, maxConnections: 16, type: 'hnsw' } },
    });
  });

  it('with text2vec-transformers vectorizes title, description and requirements at the configured inference URL', () => {
    const config = collectionCreateConfig(opportunityCollection('Opportunity', transformers));
    expect(config.vectorizers).toEqual({
      name: 'default',
      properties: ['title', 'description', 'requirements'],
      vectorizer: { name: 'text2vec-transformers', config: { inferenceUrl: 'http://t2v-transformers:8080', vectorizeCollectionName: false } },
      vectorIndex: { name: 'hnsw', config: { distance: 'cosine', efConstruction: 64, maxConnections: 16, type: 'hnsw' } },
    });
  });

  it('is sent to the server as a text2vec-transformers vector config (captured schema request)', async () => {
    const body = await captureSchemaRequest(async (port) => {
      const client = await connectWeaviate({ WEAVIATE_HOST: '127.0.0.1', WEAVIATE_HTTP_PORT: port, WEAVIATE_GRPC_PORT: port, WEAVIATE_SECURE: false });
      await client.collections.create(collectionCreateConfig(opportunityCollection('Opportunity', transformers)));
      await client.close();
    });
    expect(body.class).toBe('Opportunity');
    expect(body.vectorConfig).toEqual({
      default: {
        vectorizer: {
          'text2vec-transformers': {
            properties: ['title', 'description', 'requirements'],
            inferenceUrl: 'http://t2v-transformers:8080',
            vectorizeClassName: false,
          },
        },
        vectorIndexType: 'hnsw',
        vectorIndexConfig: { distance: 'cosine', efConstruction: 64, maxConnections: 16, type: 'hnsw' },
      },
    });
    const properties = body.properties as { name: string; dataType: string[]; tokenization: string; moduleConfig?: unknown }[];
    expect(properties.find((p) => p.name === 'agency')).toMatchObject({ dataType: ['text'], tokenization: 'field' });
    // Property names stay out of the embedded text (moduleVectorInput), for every vectorized property.
    for (const name of ['title', 'description', 'requirements']) {
      expect(properties.find((p) => p.name === name)?.moduleConfig).toMatchObject({ 'text2vec-transformers': { vectorizePropertyName: false } });
    }
  });

  it('gives state collections a skipped vector index', () => {
    expect(collectionCreateConfig(contractDocumentCollection('ContractDocument')).vectorizers).toEqual({
      name: 'default',
      vectorizer: { name: 'none' },
      vectorIndex: { name: 'hnsw', config: { skip: true, type: 'hnsw' } },
    });
  });
});
