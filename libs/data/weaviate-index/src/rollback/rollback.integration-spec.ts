import { randomBytes, randomUUID } from 'node:crypto';
import type { WeaviateClient } from 'weaviate-client';
import { connectWeaviate } from '@mch/infra-weaviate';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { ensureIndex } from '../index-definitions';
import { WeaviateIndexSink } from '../sink/weaviate-index.sink';
import { consumedRecords } from '../testing/consumed-records';
import { indexEnvelope } from '../testing/monolith-events';
import { sampleDocument, sampleOpportunity } from '../testing/sample-data';
import { countObjects, dropIndex, quietLogger, readOpportunities, readVector, uniqueIndexNames } from '../testing/weaviate-test-support';
import { hashingEmbedder } from '../vectors/text-embedder';
import { backupIndex, restoreIndex } from './index-backup.service';
import { deleteMigrationRun } from './migration-run.service';
import { countObjects as countObjectsSince, purgeObjectsSince } from './purge-since';

const logger = quietLogger();
const none = { kind: 'none' as const, dimensions: 64 };

describe('rollback (real Weaviate, backup-filesystem)', () => {
  let client: WeaviateClient;
  const names = uniqueIndexNames('Rb');

  const sink = () =>
    new WeaviateIndexSink(
      client,
      { names, embedder: hashingEmbedder(64), embeddingsVersion: 1, batchSize: 100, concurrency: 2, maxObjectAttempts: 3, retryBaseDelayMs: 50 },
      logger,
    );
  const index = async (ids: string[], run: string, position: number) => {
    const envelopes = ids.flatMap((id, i) => [
      indexEnvelope('opportunity', id, sampleOpportunity(id, { title: `Surgical gloves lot ${i}` }), { operation: 'snapshot', position, migrationRun: run }),
      indexEnvelope('contract_document', `${id.slice(0, 24)}${'0'.repeat(12)}`, sampleDocument(`${id.slice(0, 24)}${'0'.repeat(12)}`, id), {
        operation: 'snapshot',
        position,
        migrationRun: run,
      }),
    ]);
    const result = await sink().write(consumedRecords(envelopes));
    expect(result.rejected).toEqual([]);
  };

  beforeAll(async () => {
    client = await connectWeaviate(loadConfig(weaviateEnvSchema));
    await ensureIndex(client, names, none, logger);
  });
  afterAll(async () => {
    await dropIndex(client, names);
    await client.close();
  });

  it('backup -> delete objects -> restore brings the collections back as they were (properties and vectors)', async () => {
    const ids = Array.from({ length: 30 }, () => randomUUID());
    await index(ids, 'run-backup', 1);
    const before = await readOpportunities(client, names.opportunity);
    const vectorBefore = await readVector(client, names.opportunity, ids[0]);
    const documentsBefore = await countObjects(client, names.contractDocument);
    const backupId = `it-${randomBytes(6).toString('hex')}`;

    const backup = await backupIndex(client, names, backupId, logger);
    expect(backup).toMatchObject({ backupId, status: 'SUCCESS', collections: [names.opportunity, names.contractDocument, names.tombstone] });

    await client.collections.use(names.opportunity).data.deleteMany(client.collections.use(names.opportunity).filter.byId().containsAny(ids.slice(0, 20)));
    await client.collections.use(names.contractDocument).data.deleteMany(
      client.collections.use(names.contractDocument).filter.byProperty('migrationRun').equal('run-backup'),
    );
    expect(await countObjects(client, names.opportunity)).toBe(before.size - 20);

    await expect(restoreIndex(client, names, backupId, { replace: false }, logger)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining(`collections ${names.opportunity}, ${names.contractDocument}, ${names.tombstone} exist`),
    });
    await restoreIndex(client, names, backupId, { replace: true }, logger);
    expect(await readOpportunities(client, names.opportunity)).toEqual(before);
    expect(await readVector(client, names.opportunity, ids[0])).toEqual(vectorBefore);
    expect(await countObjects(client, names.contractDocument)).toBe(documentsBefore);
    const found = await client.collections.use(names.opportunity).query.bm25('gloves lot 7', { limit: 1 });
    expect(found.objects[0]?.uuid).toBe(ids[7]);
  });

  it('refuses a backup id Weaviate would not accept, naming the rule', async () => {
    await expect(backupIndex(client, names, 'Bad Id!', logger)).rejects.toThrow(/backup id 'Bad Id!' must be 1-128 characters of a-z, 0-9, _ and -/);
  });

  it("deletes exactly one migration run's objects in every collection, past Weaviate's 10,000-per-call limit", async () => {
    const keep = Array.from({ length: 5 }, () => randomUUID());
    await index(keep, 'run-keep', 2);
    // 10,050 objects of the run to undo, written directly (no vectors needed to exercise deletion).
    const collection = client.collections.use(names.opportunity);
    const doomed = Array.from({ length: 10_050 }, () => randomUUID());
    const chunks = Array.from({ length: Math.ceil(doomed.length / 500) }, (_, i) => doomed.slice(i * 500, i * 500 + 500));
    const results = await Promise.all(
      chunks.map((chunk) =>
        collection.data.insertMany(chunk.map((id) => ({ id, properties: { title: 'to undo', migrationRun: 'run-undo', sourcePosition: 'lsn:0000000000000003' } }))),
      ),
    );
    expect(results.some((r) => r.hasErrors)).toBe(false);
    await index([randomUUID()], 'run-undo', 3);
    const total = await countObjects(client, names.opportunity);

    const counted = await deleteMigrationRun(client, names, { migrationRun: 'run-undo' }, { dryRun: true }, logger);
    expect(counted).toEqual([
      { collection: names.opportunity, objects: 10_051 },
      { collection: names.contractDocument, objects: 1 },
      { collection: names.tombstone, objects: 0 },
    ]);
    expect(await countObjects(client, names.opportunity)).toBe(total);

    const deleted = await deleteMigrationRun(client, names, { migrationRun: 'run-undo' }, { dryRun: false }, logger);
    expect(deleted[0]).toEqual({ collection: names.opportunity, objects: 10_051 });
    expect(await countObjects(client, names.opportunity)).toBe(total - 10_051);
    const remaining = await readOpportunities(client, names.opportunity);
    for (const id of keep) expect(remaining.get(id)?.migrationRun).toBe('run-keep');
    expect([...remaining.values()].some((p) => p.migrationRun === 'run-undo')).toBe(false);
  });

  it('rejects a migration id that is not a UUID', async () => {
    await expect(deleteMigrationRun(client, names, { migrationId: 'run-1' }, { dryRun: true }, logger)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'migrationId' },
    });
  });
  it('purges of one point running at once (a killed apply\'s delete still running under its re-run) all complete, leaving exactly the objects before it', async () => {
    const purgeNames = uniqueIndexNames('Rp');
    await ensureIndex(client, purgeNames, none, logger);
    try {
      const at = new Date('2026-03-01T00:00:00.000Z');
      const envelopes = Array.from({ length: 600 }, (_, i) => {
        const id = randomUUID();
        const updatedAt = i < 60 ? '2026-01-15T08:00:00.000Z' : `2026-06-01T08:00:${String(i % 60).padStart(2, '0')}.000Z`;
        return indexEnvelope('opportunity', id, sampleOpportunity(id, { updatedAt }), { operation: 'snapshot', position: i + 1, migrationRun: 'run-purge' });
      });
      const written = await new WeaviateIndexSink(
        client,
        { names: purgeNames, embedder: hashingEmbedder(64), embeddingsVersion: 1, batchSize: 200, concurrency: 2, maxObjectAttempts: 3, retryBaseDelayMs: 50 },
        logger,
      ).write(consumedRecords(envelopes));
      expect(written.rejected).toEqual([]);
      expect(await countObjectsSince(client, purgeNames.opportunity, { property: 'sourceUpdatedAt', at })).toBe(540);

      const purges = await Promise.allSettled([0, 1, 2].map(() => purgeObjectsSince(client, purgeNames.opportunity, 'sourceUpdatedAt', at)));
      expect(purges.map((p) => (p.status === 'rejected' ? String(p.reason) : 'fulfilled'))).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(await countObjectsSince(client, purgeNames.opportunity, { property: 'sourceUpdatedAt', at })).toBe(0);
      expect(await countObjects(client, purgeNames.opportunity)).toBe(60);
    } finally {
      await dropIndex(client, purgeNames);
    }
  });
});
