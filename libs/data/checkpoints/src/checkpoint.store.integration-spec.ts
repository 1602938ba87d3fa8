import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { DomainException } from '@mch/util-errors';
import { CheckpointStore } from './checkpoint.store';

describe('CheckpointStore on real PostgreSQL', () => {
  let db: MigratedDatabase;
  let store: CheckpointStore;

  beforeAll(async () => {
    db = await createMigratedDatabase('checkpoints');
    store = new CheckpointStore(db.pool);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('starts a named migration, and a second start resumes it with its progress', async () => {
    const first = await store.start('backfill:opportunity', 'opportunity', { shard: '0/1' });
    expect(first).toMatchObject({ status: 'running', totalProcessed: 0, checkpoint: null });
    await store.save('backfill:opportunity', {
      lastProcessedId: '00000000-0000-4000-8000-000000000010',
      processedDelta: 10,
      failedDelta: 1,
      data: { lastKey: '00000000-0000-4000-8000-000000000010' },
    });
    const resumed = await store.start('backfill:opportunity', 'opportunity');
    expect(resumed).toMatchObject({
      id: first.id,
      totalProcessed: 10,
      totalFailed: 1,
      lastProcessedId: '00000000-0000-4000-8000-000000000010',
      checkpoint: { lastKey: '00000000-0000-4000-8000-000000000010' },
      metadata: { shard: '0/1' },
    });
  });

  it('saves a checkpoint atomically with the caller work: a rollback keeps neither', async () => {
    await store.start('atomic', 'proposal');
    await db.pool.query('CREATE TABLE IF NOT EXISTS work_done (n int)');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO work_done VALUES (1)');
      await store.save('atomic', { processedDelta: 5, data: { step: 1 } }, { client });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect((await store.get('atomic'))?.totalProcessed).toBe(0);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM work_done')).rows[0].n).toBe(0);
  });

  it('completes, pauses and fails with the error kept', async () => {
    await store.start('lifecycle', 'company');
    await store.pause('lifecycle');
    expect((await store.get('lifecycle'))?.status).toBe('paused');
    await store.fail('lifecycle', Object.assign(new Error('kafka unreachable'), { code: 'STORE_UNAVAILABLE' }));
    const failed = await db.pool.query(`SELECT status, error_details FROM data_migration_state WHERE migration_name = 'lifecycle'`);
    expect(failed.rows[0]).toMatchObject({ status: 'failed', error_details: { message: 'kafka unreachable', code: 'STORE_UNAVAILABLE' } });
    await store.complete('lifecycle');
    expect((await store.get('lifecycle'))?.status).toBe('completed');
  });

  it('gives a lease to one owner at a time, and fences off the stale owner after takeover', async () => {
    await store.start('leased', 'opportunity');
    const oldToken = await store.acquireLease('leased', 'pod-a', 60_000);
    await expect(store.acquireLease('leased', 'pod-b', 60_000)).rejects.toThrow(/leased by pod-a/);
    await db.pool.query(`UPDATE data_migration_state SET lease_expires_at = now() - interval '1 second' WHERE migration_name = 'leased'`);
    const newToken = await store.acquireLease('leased', 'pod-b', 60_000);
    expect(newToken).toBeGreaterThan(oldToken);
    const stale = store.save('leased', { processedDelta: 1, data: {} }, { fencingToken: oldToken });
    await expect(stale).rejects.toBeInstanceOf(DomainException);
    await expect(store.save('leased', { processedDelta: 1, data: {} }, { fencingToken: oldToken })).rejects.toThrow(/owned by another worker/);
    await store.save('leased', { processedDelta: 1, data: {} }, { fencingToken: newToken });
    expect(await store.renewLease('leased', 'pod-a', oldToken, 60_000)).toBe(false);
    expect(await store.renewLease('leased', 'pod-b', newToken, 60_000)).toBe(true);
  });

  it('names the migration when it was never started', async () => {
    await expect(store.complete('never')).rejects.toThrow("migration 'never' has not been started");
  });
});
