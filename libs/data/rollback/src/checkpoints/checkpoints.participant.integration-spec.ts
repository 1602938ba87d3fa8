import { CheckpointStore } from '@mch/data-checkpoints';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { DomainException } from '@mch/util-errors';
import { createLogger } from '@mch/util-logger';
import { RollbackExecutor } from '../rollback-executor';
import { RollbackPlanner } from '../rollback-planner';
import { RollbackRunStore } from '../rollback-run.store';
import type { CheckpointRewindAction, RollbackRequest } from '../rollback.types';
import { CheckpointsRollback } from './checkpoints.participant';

// last_processed_id is a uuid column (the source rows' keys).
const K1 = '00000000-0000-4000-8000-0000000000a1';
const K2 = '00000000-0000-4000-8000-0000000000a2';
const K3 = '00000000-0000-4000-8000-0000000000a3';
const C9 = '00000000-0000-4000-8000-0000000000c9';
const P1 = '00000000-0000-4000-8000-0000000000b1';
const quiet = createLogger({ service: 'rollback-checkpoints-it', level: 'error', sink: () => undefined });

/** The migrator-checkpoint participant on a real PostgreSQL (data_migration_state, migration_checkpoints). */
describe('checkpoints rollback participant (real PostgreSQL)', () => {
  let db: MigratedDatabase;
  let store: CheckpointStore;
  let participant: CheckpointsRollback;
  let planner: RollbackPlanner;
  let executor: RollbackExecutor;
  let point: Date;

  const state = async (name: string) =>
    (await db.pool.query(`SELECT status, last_processed_id, total_processed::int AS total FROM data_migration_state WHERE migration_name = $1`, [name])).rows[0] ?? null;
  const newestData = async (name: string) =>
    (
      await db.pool.query(
        `SELECT c.checkpoint_data FROM migration_checkpoints c JOIN data_migration_state s ON s.id = c.migration_id
          WHERE s.migration_name = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT 1`,
        [name],
      )
    ).rows[0]?.checkpoint_data ?? null;
  const request = (extra: Partial<RollbackRequest> = {}): RollbackRequest => ({ to: point, groups: [], targets: ['checkpoints'], ...extra });

  beforeAll(async () => {
    db = await createMigratedDatabase('rollback_checkpoints');
    store = new CheckpointStore(db.pool);
    participant = new CheckpointsRollback(db.pool);
    planner = new RollbackPlanner([participant]);
    executor = new RollbackExecutor(planner, [participant], new RollbackRunStore(db.pool), quiet);
    // opportunity: two chunks before the point, one after; proposal: started after the point; company: completed before it.
    await store.start('run:backfill:opportunity:0-of-1', 'opportunity');
    await store.save('run:backfill:opportunity:0-of-1', { lastProcessedId: K1, processedDelta: 10, data: { lastKey: K1 } });
    await store.save('run:backfill:opportunity:0-of-1', { lastProcessedId: K2, processedDelta: 10, data: { lastKey: K2 } });
    await store.start('run:backfill:company:0-of-1', 'company');
    await store.save('run:backfill:company:0-of-1', { lastProcessedId: C9, processedDelta: 9, data: { lastKey: C9 } });
    await store.complete('run:backfill:company:0-of-1');
    await store.start('run:capture', 'capture');
    await new Promise((r) => setTimeout(r, 20));
    point = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await store.save('run:backfill:opportunity:0-of-1', { lastProcessedId: K3, processedDelta: 10, data: { lastKey: K3 } });
    await store.complete('run:backfill:opportunity:0-of-1');
    await store.start('run:backfill:proposal:0-of-1', 'proposal');
    await store.save('run:backfill:proposal:0-of-1', { lastProcessedId: P1, processedDelta: 5, data: { lastKey: P1 } });
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('plans a rewind to the last checkpoint at or before the point, forgets what began after it, and leaves completed-before and capture alone', async () => {
    const plan = await planner.plan(request());
    const rewinds = plan.actions as CheckpointRewindAction[];
    expect(rewinds.map((a) => [a.migration, a.after && { status: a.after.status, last: a.after.lastProcessedId }])).toEqual([
      ['run:backfill:opportunity:0-of-1', { status: 'paused', last: K2 }],
      ['run:backfill:proposal:0-of-1', null],
    ]);
    expect(plan.untouched.join('\n')).toContain('run:backfill:company:0-of-1 (completed at');
    expect(plan.untouched.join('\n')).toContain('change-capture checkpoints');
    expect((await planner.plan(request({ entities: ['proposal'] }))).actions.map((a) => (a as CheckpointRewindAction).migration)).toEqual([
      'run:backfill:proposal:0-of-1',
    ]);
  });

  it('refuses while a migration to rewind is leased by a live worker, and changes nothing', async () => {
    await store.acquireLease('run:backfill:opportunity:0-of-1', 'pod-a', 60_000);
    try {
      const refusal = await executor.apply(request({ entities: ['opportunity'] }), 'checkpoints-it').catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(DomainException);
      expect((refusal as DomainException).code).toBe('PRECONDITION_FAILED');
      expect((refusal as Error).message).toContain('run:backfill:opportunity:0-of-1 (pod-a)');
      expect(await state('run:backfill:opportunity:0-of-1')).toEqual({ status: 'completed', last_processed_id: K3, total: 30 });
    } finally {
      const token = (await store.get('run:backfill:opportunity:0-of-1'))?.fencingToken as number;
      await store.releaseLease('run:backfill:opportunity:0-of-1', 'pod-a', token);
    }
  });

  it('applies the rewind (a resumed backfill reads the rewound checkpoint) and a repeat changes nothing more', async () => {
    const result = await executor.apply(request(), 'checkpoints-it');
    expect(result.stepsApplied).toBe(2);
    expect(await state('run:backfill:opportunity:0-of-1')).toEqual({ status: 'paused', last_processed_id: K2, total: 30 });
    expect(await newestData('run:backfill:opportunity:0-of-1')).toEqual({ lastKey: K2 });
    expect((await store.get('run:backfill:opportunity:0-of-1'))?.checkpoint).toEqual({ lastKey: K2 });
    expect(await state('run:backfill:proposal:0-of-1')).toBeNull();
    expect(await state('run:backfill:company:0-of-1')).toEqual({ status: 'completed', last_processed_id: C9, total: 9 });
    const rows = (await db.pool.query(`SELECT count(*)::int AS n FROM migration_checkpoints`)).rows[0].n;

    const again = await planner.plan(request());
    expect(again.actions).toEqual([]);
    await participant.apply(result.plan.actions[0]);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM migration_checkpoints`)).rows[0].n).toBe(rows);
  });
});
