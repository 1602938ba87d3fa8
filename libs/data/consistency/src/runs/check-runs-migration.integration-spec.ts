import { migrateDown, migrateUp, schemaMigrationDataSource } from '@mch/data-schema-migrations';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';

const TABLES = ['consistency_check_runs', 'consistency_check_pairs'];

describe('migration 019: consistency check history (real PostgreSQL)', () => {
  let db: MigratedDatabase;
  const withDataSource = async <T>(
    work: (ds: ReturnType<typeof schemaMigrationDataSource>) => Promise<T>,
  ): Promise<T> => {
    const ds = schemaMigrationDataSource(db.config, 'consistency-019-it');
    await ds.initialize();
    try {
      return await work(ds);
    } finally {
      await ds.destroy();
    }
  };
  const present = async () =>
    (
      await db.pool.query<{ relname: string; relrowsecurity: boolean }>(
        `SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY($1) AND relkind = 'r' ORDER BY 1`,
        [TABLES],
      )
    ).rows;

  beforeAll(async () => {
    db = await createMigratedDatabase('consistency_019');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates both tables with row level security, and down removes exactly them; up again restores them', async () => {
    expect(await present()).toEqual([
      { relname: 'consistency_check_pairs', relrowsecurity: true },
      { relname: 'consistency_check_runs', relrowsecurity: true },
    ]);
    // 020 (the processing-status view) is newer: reverting 019 reverts it first.
    await withDataSource((ds) => migrateDown(ds, 2));
    expect(await present()).toEqual([]);
    const kept = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relname = 'data_migration_state'`,
    );
    expect(kept.rows[0].n).toBe(1);
    expect(await withDataSource(migrateUp)).toEqual(['ConsistencyCheckRuns1764000000019', 'ProcessingStatusView1764000000020']);
    expect((await present()).map((r) => r.relname)).toEqual(TABLES.slice().sort());
    await expect(
      db.pool
        .query(`INSERT INTO consistency_check_runs (id, mode, status, entities, started_at, finished_at, duration_ms, report)
                     VALUES (gen_random_uuid(), 'content', 'unknown', '{opportunity}', now(), now(), 1, '{}')`),
    ).rejects.toThrow(/consistency_check_runs_status_check/);
  });
});
