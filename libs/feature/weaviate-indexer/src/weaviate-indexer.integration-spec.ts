import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import type { ContractDocumentData, EventEnvelope, OpportunityData } from '@mch/contracts';
import { hashingVector, lineageOf, mergeRequirements, opportunityProperties, parseEmbeddingRecord, vectorInput } from '@mch/data-weaviate-index';
import {
  countObjects,
  indexEnvelope,
  monolithContractDocuments,
  monolithOpportunities,
  openIndexerTestStores,
  produceEnvelopes,
  produceRaw,
  readOpportunities,
  readTopic,
  readVector,
  uniqueIndexerTopics,
  uniqueIndexNames,
} from '@mch/data-weaviate-index/testing';
import { bootstrapService } from '@mch/nest-bootstrap';
import { createMigratedDatabase, freePort, type MigratedDatabase } from '@mch/testing-stack';
import { weaviateIndexerService } from './run-weaviate-indexer';
import { WeaviateIndexerRunner } from './weaviate-indexer.runner';

const OPPORTUNITIES = 300;
const RUN = 'backfill-1';
const MIGRATION = randomUUID();

describe('weaviate-indexer service in Job mode (real Kafka, Weaviate and PostgreSQL)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let client: WeaviateClient;
  let closeStores: () => Promise<void>;
  let rows: OpportunityData[];
  let documents: ContractDocumentData[];
  const envelopes = new Map<string, EventEnvelope>();
  const topics = uniqueIndexerTopics('feat');
  const names = uniqueIndexNames('Feat');
  const prefix = names.opportunity.replace(/Opportunity$/, '');

  /** Runs the service in-process until its Job completes; returns the runner's stats. */
  async function runJob(migrationId: string, env: Record<string, string> = {}) {
    const running = await bootstrapService(weaviateIndexerService, {
      ...process.env,
      PGDATABASE: db.name,
      HTTP_PORT: String(await freePort()),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      MIGRATION_ID: migrationId,
      WEAVIATE_COLLECTION_PREFIX: prefix,
      INDEXER_OPPORTUNITY_TOPIC: topics.opportunity,
      INDEXER_DOCUMENT_TOPIC: topics.document,
      INDEXER_MAX_BATCH_WAIT_MS: '100',
      INDEXER_JOB_POLL_MS: '200',
      ...env,
    });
    const runner = running.app.get(WeaviateIndexerRunner);
    try {
      await runner.finished;
      return structuredClone(runner.stats);
    } finally {
      await running.app.close();
    }
  }

  function expectedObject(row: OpportunityData) {
    const envelope = envelopes.get(row.id);
    if (!envelope) throw new Error(`no envelope for ${row.id}`);
    const requirements = mergeRequirements(
      documents.filter((d) => d.opportunityId === row.id).map((d) => ({ documentId: d.id, createdAt: d.createdAt, requirements: d.requirements })),
    );
    const position = envelope.metadata.sourcePosition ?? '';
    return opportunityProperties(row, requirements, { position, embeddingsVersion: 1, lineage: lineageOf(envelope) });
  }

  beforeAll(async () => {
    db = await createMigratedDatabase('wvi_feature', { load: { opportunities: OPPORTUNITIES, seed: 11 } });
    rows = await monolithOpportunities(db.pool);
    documents = await monolithContractDocuments(db.pool);
    ({ kafka, client, close: closeStores } = await openIndexerTestStores(topics, names));
    const snapshot = (entity: 'opportunity' | 'contract_document', data: OpportunityData | ContractDocumentData) =>
      indexEnvelope(entity, data.id, data, { operation: 'snapshot', position: 1, migrationRun: RUN, migrationId: MIGRATION });
    for (const row of rows) envelopes.set(row.id, snapshot('opportunity', row));
    await produceEnvelopes(kafka, topics.document, documents.map((d) => snapshot('contract_document', d)));
    await produceEnvelopes(kafka, topics.opportunity, [...envelopes.values()]);
    const broken = envelopes.get(rows[0].id) as EventEnvelope;
    await produceRaw(kafka, topics.opportunity, [
      { key: rows[1].id, value: '{"eventId": truncated' },
      { key: rows[0].id, value: JSON.stringify({ ...broken, data: { ...broken.data, status: 'archived' } }) },
    ]);
  });

  afterAll(async () => {
    await closeStores();
    await db.drop();
  });

  it("indexes every opportunity: object count equals the source count and each object equals its row's mapped values", async () => {
    const stats = await runJob(MIGRATION);
    expect(stats.loop).toMatchObject({ deadLettered: 2 });
    expect(await countObjects(client, names.opportunity)).toBe(rows.length);
    const stored = await readOpportunities(client, names.opportunity);
    for (const row of rows) expect(stored.get(row.id)).toEqual(expectedObject(row));
    expect([...stored.values()].filter((p) => p.requirements.length > 0).length).toBeGreaterThan(OPPORTUNITIES / 4);
  });

  it('finds a known title by BM25', async () => {
    // Fixture titles share many words; requiring all of them keeps the hit among a handful.
    const row = rows[17];
    const found = await client.collections
      .use(names.opportunity)
      .query.bm25(row.title, { limit: 100, queryProperties: ['title'], operator: { operator: 'And' } });
    expect(found.objects.map((o) => o.uuid)).toContain(row.id);
    expect(found.objects.length).toBeLessThan(rows.length / 10);
  });

  it('dead-letters bad input with the reason, logs it in service_processing_log, and carries on', async () => {
    const dead = await readTopic(kafka, `dlq.${topics.opportunity}`, 2);
    const reasons = dead.map((m) => JSON.parse(m.value) as { originalTopic: string; error: { code: string; message: string; field?: string } });
    expect(reasons.map((r) => r.error)).toEqual(
      expect.arrayContaining([
        { code: 'VALIDATION_FAILED', message: `opportunity ${rows[1].id}: field (value) is not a JSON event envelope`, field: '(value)' },
        expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'data.status', message: expect.stringMatching(new RegExp(`^opportunity ${rows[0].id}: field data.status is invalid`)) }),
      ]),
    );
    expect(reasons.every((r) => r.originalTopic === topics.opportunity)).toBe(true);
    const { rows: logged } = await db.pool.query<{ entity_id: string; status: string; error_code: string }>(
      `SELECT entity_id, status, error_code FROM service_processing_log WHERE service_name = 'weaviate-indexer' ORDER BY entity_id`,
    );
    expect(logged).toEqual(
      [rows[0].id, rows[1].id].sort().map((id) => ({ entity_id: id, status: 'dead_lettered', error_code: 'VALIDATION_FAILED' })),
    );
    // The good version of rows[0] (before the bad one) is indexed.
    expect((await readOpportunities(client, names.opportunity)).get(rows[0].id)?.status).toBe(rows[0].status);
  });

  it('replaying the whole topic from the start leaves the count unchanged and creates no duplicates', async () => {
    const before = await readOpportunities(client, names.opportunity);
    const stats = await runJob(randomUUID());
    expect(stats.sink).toMatchObject({ opportunitiesWritten: 0, documentsWritten: 0, vectorsComputed: 0 });
    expect(stats.sink?.skippedUnchanged).toBe(rows.length + documents.length);
    expect(await countObjects(client, names.opportunity)).toBe(rows.length);
    expect(await readOpportunities(client, names.opportunity)).toEqual(before);
  });

  it('applies updates and deletes from the topic; an older version arriving after a newer one does not overwrite it', async () => {
    const [updated, deleted, raced] = [rows[3], rows[4], rows[5]];
    const change = (row: OpportunityData, position: number, data: Partial<OpportunityData>) =>
      indexEnvelope('opportunity', row.id, { ...row, ...data }, { operation: 'update', position, migrationRun: 'cdc', migrationId: MIGRATION });
    await produceEnvelopes(kafka, topics.opportunity, [
      change(updated, 2, { title: 'Updated: nitrile gloves, size XL', status: 'awarded' }),
      indexEnvelope('opportunity', deleted.id, null, { operation: 'delete', position: 2, migrationRun: 'cdc' }),
      change(raced, 5, { title: 'Newest title' }),
      change(raced, 4, { title: 'Older title, late' }),
    ]);
    await runJob(MIGRATION);
    const stored = await readOpportunities(client, names.opportunity);
    expect(stored.get(updated.id)).toMatchObject({ title: 'Updated: nitrile gloves, size XL', status: 'awarded', migrationRun: 'cdc' });
    expect(stored.has(deleted.id)).toBe(false);
    expect(stored.get(raced.id)).toMatchObject({ title: 'Newest title', sourcePosition: 'lsn:0000000000000005' });
    expect(stored.size).toBe(rows.length - 1);
  });

  it('records its model on the collection; a raised EMBEDDINGS_VERSION re-embeds every object once, and the version never goes back', async () => {
    const opportunity = client.collections.use(names.opportunity);
    expect(parseEmbeddingRecord((await opportunity.config.get()).description)).toMatchObject({
      vectorizer: 'none',
      model: 'feature-hashing',
      dimensions: 256,
      embeddingsVersion: 1,
    });
    const before = await readOpportunities(client, names.opportunity);
    const raised = await runJob(randomUUID(), { EMBEDDINGS_VERSION: '2' });
    expect(raised.embeddingsVersion).toBe(2);
    expect(raised.reembedded).toMatchObject({ stale: before.size, reembedded: before.size, raced: 0 });
    const after = await readOpportunities(client, names.opportunity);
    for (const [id, properties] of before) expect(after.get(id)).toEqual({ ...properties, embeddings_version: 2 });
    const sample = after.get(rows[7].id)!;
    expect(await readVector(client, names.opportunity, rows[7].id)).toEqual(hashingVector(vectorInput(sample), 256).map((x) => expect.closeTo(x, 6)));

    // Back to the default setting: the recorded version stands, nothing is stale, nothing re-embedded.
    const again = await runJob(randomUUID());
    expect(again.embeddingsVersion).toBe(2);
    expect(again.reembedded).toMatchObject({ stale: 0, reembedded: 0 });
    expect(again.sink).toMatchObject({ vectorsComputed: 0, opportunitiesWritten: 0 });
    expect(parseEmbeddingRecord((await opportunity.config.get()).description)?.embeddingsVersion).toBe(2);
  });
});
