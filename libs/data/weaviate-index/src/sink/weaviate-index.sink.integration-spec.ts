import { randomUUID } from 'node:crypto';
import type { WeaviateClient } from 'weaviate-client';
import type { OpportunityData } from '@mch/contracts';
import { connectWeaviate } from '@mch/infra-weaviate';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { ensureIndex } from '../index-definitions';
import { opportunityProperties, fromWeaviateProperties } from '../mapping/opportunity.mapper';
import { consumedRecords } from '../testing/consumed-records';
import { indexEnvelope } from '../testing/monolith-events';
import { sampleDocument, sampleOpportunity } from '../testing/sample-data';
import { countObjects, dropIndex, quietLogger, readVector, uniqueIndexNames } from '../testing/weaviate-test-support';
import { hashingEmbedder, type TextEmbedder } from '../vectors/text-embedder';
import { documentObjectId } from './state-objects';
import { WeaviateIndexSink, type WeaviateIndexSinkOptions } from './weaviate-index.sink';

const DIMENSIONS = 256;
const names = uniqueIndexNames('Sink');
const logger = quietLogger();

/** The hashing embedder, counting the texts it embeds; a title containing POISON gets a 3-dim vector. */
function spyEmbedder(): TextEmbedder & { texts: string[] } {
  const inner = hashingEmbedder(DIMENSIONS);
  const texts: string[] = [];
  return {
    name: inner.name,
    dimensions: DIMENSIONS,
    texts,
    embed: async (batch) => {
      texts.push(...batch);
      const vectors = await inner.embed(batch);
      return vectors.map((v, i) => (batch[i].includes('POISON') ? [0.1, 0.2, 0.3] : v));
    },
  };
}

const opp = (id: string, position: number, data: Partial<OpportunityData> = {}, run = 'run-a') =>
  indexEnvelope('opportunity', id, sampleOpportunity(id, data), { operation: position === 1 ? 'snapshot' : 'update', position, migrationRun: run });
const del = (id: string, position: number) => indexEnvelope('opportunity', id, null, { operation: 'delete', position, migrationRun: 'run-a' });

describe('WeaviateIndexSink (real Weaviate)', () => {
  let client: WeaviateClient;
  let embedder: ReturnType<typeof spyEmbedder>;
  let sink: WeaviateIndexSink;
  const options = (overrides: Partial<WeaviateIndexSinkOptions> = {}): WeaviateIndexSinkOptions => ({
    names,
    embedder,
    embeddingsVersion: 1,
    batchSize: 50,
    concurrency: 2,
    maxObjectAttempts: 3,
    retryBaseDelayMs: 50,
    ...overrides,
  });
  const collection = () => client.collections.use(names.opportunity);
  const stored = async (id: string) => {
    const object = await collection().query.fetchObjectById(id);
    return object ? fromWeaviateProperties(object.properties as Record<string, unknown>) : null;
  };

  beforeAll(async () => {
    client = await connectWeaviate(loadConfig(weaviateEnvSchema));
    await ensureIndex(client, names, { kind: 'none', dimensions: DIMENSIONS }, logger);
  });
  beforeEach(() => {
    embedder = spyEmbedder();
    sink = new WeaviateIndexSink(client, options(), logger);
  });
  afterAll(async () => {
    await dropIndex(client, names);
    await client.close();
  });

  it("stores an opportunity under its own UUID with the row's mapped values, found by BM25, filter and near-vector", async () => {
    const id = randomUUID();
    const title = `Orthopedic knee implants titanium ${id.slice(0, 8)}`;
    const envelope = opp(id, 1, { title });
    const result = await sink.write(consumedRecords([envelope]));
    expect(result.rejected).toEqual([]);
    const expected = opportunityProperties(sampleOpportunity(id, { title }), [], {
      position: 'lsn:0000000000000001',
      embeddingsVersion: 1,
      lineage: {
        eventId: envelope.eventId,
        correlationId: envelope.metadata.correlationId,
        causationId: null,
        migrationRun: 'run-a',
        migrationId: null,
        timestamp: envelope.timestamp,
      },
    });
    expect(await stored(id)).toEqual(expected);

    const bm25 = await collection().query.bm25(`knee implants ${id.slice(0, 8)}`, { limit: 3 });
    expect(bm25.objects[0]?.uuid).toBe(id);
    const byAgency = await collection().query.fetchObjects({
      filters: collection().filter.byProperty('agency').equal('VETERANS AFFAIRS, DEPARTMENT OF'),
      limit: 100,
    });
    expect(byAgency.objects.map((o) => o.uuid)).toContain(id);
    const byVector = await collection().query.nearVector((await readVector(client, names.opportunity, id)) ?? [], { limit: 1 });
    expect(byVector.objects[0]?.uuid).toBe(id);
  });

  it('writes nothing for a replay of the stored version and collapses duplicates in a batch', async () => {
    const id = randomUUID();
    await sink.write(consumedRecords([opp(id, 1), opp(id, 1)]));
    const before = await countObjects(client, names.opportunity);
    expect(embedder.texts).toHaveLength(1);
    const again = await sink.write(consumedRecords([opp(id, 1)]));
    expect(again.rejected).toEqual([]);
    expect(await countObjects(client, names.opportunity)).toBe(before);
    expect(sink.stats).toMatchObject({ opportunitiesWritten: 1, skippedUnchanged: 1, skippedStale: 1 });
    expect(embedder.texts).toHaveLength(1);
  });

  it('applies an update, and an older version arriving later does not overwrite it (same batch or later)', async () => {
    const id = randomUUID();
    await sink.write(consumedRecords([opp(id, 1, { status: 'active' })]));
    await sink.write(consumedRecords([opp(id, 5, { status: 'awarded', title: 'Awarded gloves' }), opp(id, 3, { status: 'cancelled' })]));
    expect(await stored(id)).toMatchObject({ status: 'awarded', title: 'Awarded gloves', sourcePosition: 'lsn:0000000000000005' });
    await sink.write(consumedRecords([opp(id, 4, { status: 'expired' })]));
    expect(await stored(id)).toMatchObject({ status: 'awarded', sourcePosition: 'lsn:0000000000000005' });
    expect(sink.stats.skippedStale).toBe(2);
  });

  it('deletes the object on a source delete; a late older version does not bring it back', async () => {
    const id = randomUUID();
    await sink.write(consumedRecords([opp(id, 1)]));
    expect(await stored(id)).not.toBeNull();
    await sink.write(consumedRecords([del(id, 6)]));
    expect(await stored(id)).toBeNull();
    await sink.write(consumedRecords([opp(id, 4, { title: 'resurrected?' }), del(id, 6)]));
    expect(await stored(id)).toBeNull();
    expect(sink.stats.opportunitiesDeleted).toBe(1);
  });

  it('fills requirements from contract documents, whichever arrives first, and follows their updates, moves and deletes', async () => {
    const first = randomUUID();
    const second = randomUUID();
    const docA = randomUUID();
    const docB = randomUUID();
    const doc = (id: string, opportunityId: string, position: number, requirements: string[], createdAt: string) =>
      indexEnvelope('contract_document', id, sampleDocument(id, opportunityId, { requirements, createdAt }), { operation: 'insert', position, migrationRun: 'run-a' });
    // The document arrives before its opportunity: it waits in the document collection.
    await sink.write(consumedRecords([doc(docA, first, 2, ['Must be ISO 13485 certified', 'Deliver to Tampa'], '2026-02-03T00:00:00.000Z')]));
    expect(await stored(first)).toBeNull();
    await sink.write(consumedRecords([opp(first, 1), opp(second, 1)]));
    expect((await stored(first))?.requirements).toEqual(['Must be ISO 13485 certified', 'Deliver to Tampa']);
    // A second, older document of the same opportunity: its requirements come first.
    await sink.write(consumedRecords([doc(docB, first, 3, ['SAM registration', 'Deliver to Tampa'], '2026-02-02T00:00:00.000Z')]));
    expect((await stored(first))?.requirements).toEqual(['SAM registration', 'Deliver to Tampa', 'Must be ISO 13485 certified']);
    // docA moves to the second opportunity.
    await sink.write(consumedRecords([doc(docA, second, 4, ['Must be ISO 13485 certified'], '2026-02-03T00:00:00.000Z')]));
    expect((await stored(first))?.requirements).toEqual(['SAM registration', 'Deliver to Tampa']);
    expect((await stored(second))?.requirements).toEqual(['Must be ISO 13485 certified']);
    // docB is deleted; an older version of it arriving afterwards is ignored.
    await sink.write(consumedRecords([indexEnvelope('contract_document', docB, null, { operation: 'delete', position: 9 })]));
    await sink.write(consumedRecords([doc(docB, first, 5, ['stale requirement'], '2026-02-02T00:00:00.000Z')]));
    expect((await stored(first))?.requirements).toEqual([]);
    expect(await client.collections.use(names.contractDocument).query.fetchObjectById(documentObjectId(docB))).toBeNull();
    // The opportunity's own lineage is kept when only its documents change.
    expect((await stored(first))?.sourcePosition).toBe('lsn:0000000000000001');
  });

  it('keeps the stored vector when the vector text is unchanged and re-embeds when it changes', async () => {
    const id = randomUUID();
    await sink.write(consumedRecords([opp(id, 1)]));
    const vector = await readVector(client, names.opportunity, id);
    expect(vector).toHaveLength(DIMENSIONS);
    await sink.write(consumedRecords([opp(id, 2, { status: 'expired' })]));
    expect(embedder.texts).toHaveLength(1);
    expect(sink.stats.vectorsReused).toBe(1);
    expect(await readVector(client, names.opportunity, id)).toEqual(vector);
    expect((await stored(id))?.status).toBe('expired');
    await sink.write(consumedRecords([opp(id, 3, { status: 'expired', title: 'Vinyl examination gloves' })]));
    expect(embedder.texts).toHaveLength(2);
    expect(await readVector(client, names.opportunity, id)).not.toEqual(vector);
  });

  it('re-embeds every object on replay after an embeddings_version bump', async () => {
    const ids = [randomUUID(), randomUUID()];
    const envelopes = ids.map((id) => opp(id, 1));
    await sink.write(consumedRecords(envelopes));
    const bumped = new WeaviateIndexSink(client, options({ embeddingsVersion: 2 }), logger);
    await bumped.write(consumedRecords(envelopes));
    expect(bumped.stats).toMatchObject({ opportunitiesWritten: 2, vectorsComputed: 2, vectorsReused: 0 });
    for (const id of ids) expect((await stored(id))?.embeddings_version).toBe(2);
    await bumped.write(consumedRecords(envelopes));
    expect(bumped.stats.skippedUnchanged).toBe(2);
  });

  it("dead-letters an object Weaviate refuses with Weaviate's reason and writes the rest of the batch", async () => {
    const good = randomUUID();
    const bad = randomUUID();
    const result = await sink.write(consumedRecords([opp(good, 1), opp(bad, 1, { title: 'POISON gloves' })]));
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0].record.value.aggregateId).toBe(bad);
    expect(result.rejected[0].error.code).toBe('WEAVIATE_REJECTED');
    expect(result.rejected[0].error.message).toMatch(
      new RegExp(`^opportunity ${bad}: Weaviate rejected the object: .*new node has a vector with length 3. Existing nodes have vectors with length 256`),
    );
    expect(await stored(good)).not.toBeNull();
    expect(await stored(bad)).toBeNull();
    expect(sink.stats).toMatchObject({ rejected: 1, halfWrittenRemoved: 0 });
  });

  it('removes an object Weaviate stored although it reported it failed (first batch of an empty collection)', async () => {
    // While a collection has no vector yet, Weaviate cannot validate the length up front: the
    // object is stored, then its vector-index insert fails. Which of the two is refused depends
    // on Weaviate's order inside the request; either way the refused one must not remain.
    const fresh = uniqueIndexNames('Half');
    await ensureIndex(client, fresh, { kind: 'none', dimensions: DIMENSIONS }, logger);
    try {
      const own = new WeaviateIndexSink(client, options({ names: fresh }), logger);
      const ids = [randomUUID(), randomUUID()];
      const result = await own.write(consumedRecords([opp(ids[0], 1), opp(ids[1], 1, { title: 'POISON gloves' })]));
      expect(result.rejected).toHaveLength(1);
      // Stored, then failed in the vector index: removed by the sink. Or, when the other object's
      // vector reached the index first, refused up front (nothing stored): seen on a loaded run.
      const message = result.rejected[0].error.message;
      expect(message).toMatch(/vector lengths don't match|new node has a vector with length \d+\. Existing nodes have vectors with length \d+/);
      if (/vector lengths don't match/.test(message)) expect(own.stats.halfWrittenRemoved).toBe(1);
      else expect([0, 1]).toContain(own.stats.halfWrittenRemoved);
      const refused = result.rejected[0].record.value.aggregateId;
      const kept = ids.find((id) => id !== refused) ?? '';
      const col = client.collections.use(fresh.opportunity);
      expect(await col.query.fetchObjectById(refused)).toBeNull();
      expect(await col.query.fetchObjectById(kept)).not.toBeNull();
    } finally {
      await dropIndex(client, fresh);
    }
  });
});
