import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { WeaviateClient } from 'weaviate-client';
import type { OpportunityData } from '@mch/contracts';
import {
  ensureIndex,
  hashingEmbedder,
  hashingIdentity,
  inferenceEmbedder,
  inferenceIdentity,
  parseEmbeddingRecord,
  recordEmbeddings,
  reembedStale,
  vectorInput,
  WeaviateIndexSink,
  type TextEmbedder,
} from '@mch/data-weaviate-index';
import { consumedRecords, dropIndex, indexEnvelope, quietLogger, readOpportunities, readVector, sampleOpportunity, uniqueIndexNames } from '@mch/data-weaviate-index/testing';
import { connectWeaviate } from '@mch/infra-weaviate';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { OPPORTUNITIES } from './meaning.fixture';
import { spawnInference, stopChild } from './testing/spawn-inference';

// A model change on a populated collection: the stack's Weaviate (self-provided vectors), the real
// inference app in a child process. Objects are first indexed with feature hashing at 384
// dimensions, then the indexer meets all-MiniLM-L6-v2. ~10 s.
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('a model change re-embeds the stored objects by embeddings_version', () => {
  let client: WeaviateClient;
  let app: ChildProcess;
  let url: string;
  let model: TextEmbedder;
  const names = uniqueIndexNames('ModelChange');
  const logger = quietLogger();
  const rows: OpportunityData[] = OPPORTUNITIES.slice(0, 12).map((title) =>
    sampleOpportunity(randomUUID(), { title, description: `${title}. Deliveries to VA medical centers.` }),
  );
  const envelope = (row: OpportunityData, position: number) =>
    indexEnvelope('opportunity', row.id, row, { operation: position === 1 ? 'snapshot' : 'update', position, migrationRun: 'mc' });
  const sink = (embedder: TextEmbedder, embeddingsVersion: number) =>
    new WeaviateIndexSink(client, { names, embedder, embeddingsVersion, batchSize: 50, concurrency: 2, maxObjectAttempts: 3, retryBaseDelayMs: 10 }, logger);

  beforeAll(async () => {
    ({ url, child: app } = await spawnInference());
    model = await inferenceEmbedder({ url });
    client = await connectWeaviate(loadConfig(weaviateEnvSchema));
    await ensureIndex(client, names, { kind: 'none', dimensions: 384 }, logger);
    // Version 1: feature hashing, recorded on the collection.
    const first = await recordEmbeddings(client, names.opportunity, hashingIdentity(384), 1, logger);
    expect(first).toMatchObject({ reason: 'first-record', version: 1 });
    await sink(hashingEmbedder(384), 1).write(consumedRecords(rows.map((r) => envelope(r, 1))));
  }, 60_000);

  afterAll(async () => {
    await dropIndex(client, names);
    await client?.close();
    if (app) await stopChild(app);
  });

  it('records the new model on the collection, raises the version and re-embeds every object with it', async () => {
    const identity = await inferenceIdentity({ url }, 'transformers-client');
    expect(identity).toMatchObject({ model: expect.stringContaining('all-MiniLM-L6-v2'), revision: expect.stringMatching(/^[0-9a-f]{16}$/), dimensions: 384 });
    const decision = await recordEmbeddings(client, names.opportunity, identity, 1, logger);
    expect(decision).toMatchObject({ reason: 'model-changed', version: 2, previous: { model: 'feature-hashing', embeddingsVersion: 1 } });
    const recorded = parseEmbeddingRecord((await client.collections.use(names.opportunity).config.get()).description);
    expect(recorded).toMatchObject({ ...identity, embeddingsVersion: 2 });

    // While the pass embeds, the indexer writes a newer version of one row (new text, its own
    // right vector): the pass must not leave that row with a vector of the old text.
    const raced = rows[0];
    const newer = { ...raced, title: 'Ambulance fleet maintenance and emergency vehicle repair', updatedAt: '2026-03-01T00:00:00.000Z' };
    const racedText = vectorInput({ title: raced.title, description: raced.description, requirements: [] });
    let injected = false;
    const racing: TextEmbedder = {
      ...model,
      embed: async (texts) => {
        const vectors = await model.embed(texts);
        if (!injected && texts.includes(racedText)) {
          injected = true;
          await sink(model, 2).write(consumedRecords([envelope(newer, 2)]));
        }
        return vectors;
      },
    };
    const stats = await reembedStale(client.collections.use(names.opportunity), { embedder: racing, version: 2, batchSize: 5, logger });
    expect(stats).toMatchObject({ stale: rows.length, reembedded: rows.length, raced: 1, vanished: 0 });

    const stored = await readOpportunities(client, names.opportunity);
    const current = rows.map((r) => (r.id === raced.id ? newer : r));
    const expected = await model.embed(current.map((r) => vectorInput(stored.get(r.id)!)));
    for (const [i, row] of current.entries()) {
      expect(stored.get(row.id)).toMatchObject({ title: row.title, embeddings_version: 2 });
      const vector = (await readVector(client, names.opportunity, row.id)) as number[];
      expect(cosine(vector, expected[i])).toBeGreaterThan(0.9999);
    }
  }, 60_000);

  it('finds nothing to re-embed on the next start, and the sink keeps stored vectors of unchanged text', async () => {
    const identity = await inferenceIdentity({ url }, 'transformers-client');
    expect(await recordEmbeddings(client, names.opportunity, identity, 1, logger)).toMatchObject({ reason: 'unchanged', version: 2, write: false });
    let embedded = 0;
    const counting: TextEmbedder = { ...model, embed: (texts) => ((embedded += texts.length), model.embed(texts)) };
    expect(await reembedStale(client.collections.use(names.opportunity), { embedder: counting, version: 2, logger })).toMatchObject({ stale: 0, reembedded: 0 });
    // A document-free replay and a status-only update of a row: the text is the same, so no vector is computed.
    const writer = sink(counting, 2);
    await writer.write(consumedRecords([envelope({ ...rows[1], status: 'awarded' }, 3)]));
    expect(writer.stats).toMatchObject({ opportunitiesWritten: 1, vectorsComputed: 0, vectorsReused: 1 });
    expect(embedded).toBe(0);
  });
});
