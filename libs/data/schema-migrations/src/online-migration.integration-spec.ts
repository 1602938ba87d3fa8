import { randomUUID } from 'node:crypto';
import { createPostgresPool } from '@mch/infra-postgres';
import { applyMonolithSchema, loadMonolith } from '@mch/monolith-fixture';
import { createTestDatabase, testPostgresConfig, type TestDatabase } from '@mch/testing-database';
import { SCHEMA_MIGRATIONS, migrateUp, schemaMigrationDataSource } from './schema-migrations';

const ROWS = Number(process.env.MCH_ONLINE_MIGRATION_ROWS ?? 1_000_000);

/**
 * The claim: 016-018 run against a live monolith without stalling it. A writer inserts and
 * updates opportunities throughout, and a long transaction holds a lock on the table for 3 s in
 * the middle (the situation in which a plain ALTER TABLE would queue every write behind it).
 */
describe(`schema migrations against a live monolith of ${ROWS} opportunities`, () => {
  let db: TestDatabase & { config: ReturnType<typeof testPostgresConfig> };

  beforeAll(async () => {
    // Built here, not with @mch/testing-stack's createMigratedDatabase: that helper is built on this lib.
    const database = await createTestDatabase('online_migration');
    db = Object.assign(database, { config: testPostgresConfig(database.name) });
    await applyMonolithSchema(db.pool);
    await loadMonolith(db.pool, { opportunities: ROWS, seed: 7 });
  }, 600_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('no monolith write waits longer than 1 s while 016-018 are applied', async () => {
    const writerPool = createPostgresPool(db.config, { applicationName: 'monolith-writer', max: 3 });
    const latencies: number[] = [];
    let writing = true;
    let inserted = 0;
    const ids = (await db.pool.query<{ id: string }>('SELECT id FROM opportunities ORDER BY id LIMIT 500')).rows.map((r) => r.id);
    // The long transaction locks a row the writer never touches: only table-level waiting counts.
    const blockedId = (await db.pool.query<{ id: string }>('SELECT id FROM opportunities ORDER BY id OFFSET 1000 LIMIT 1')).rows[0].id;

    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const started = performance.now();
        if (i % 2 === 0) {
          await writerPool.query(
            `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, created_at, updated_at)
             VALUES ($1, 'Live write during migration', 'VETERANS AFFAIRS, DEPARTMENT OF', now(), now() + interval '30 days', now(), now())`,
            [`LIVE-${randomUUID()}`],
          );
          inserted++;
        } else {
          await writerPool.query(`UPDATE opportunities SET updated_at = now(), title = title WHERE id = $1`, [ids[i % ids.length]]);
        }
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const blocker = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const client = await writerPool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`UPDATE opportunities SET title = title WHERE id = $1`, [blockedId]);
        await client.query('SELECT pg_sleep(3)');
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    })();

    const dataSource = schemaMigrationDataSource(db.config, 'online-migration-it');
    await dataSource.initialize();
    let applied: string[];
    try {
      applied = await migrateUp(dataSource);
    } finally {
      await dataSource.destroy();
      await blocker;
      await new Promise((resolve) => setTimeout(resolve, 200));
      writing = false;
      await writer;
      await writerPool.end();
    }

    expect(applied).toHaveLength(SCHEMA_MIGRATIONS.length);
    expect(inserted).toBeGreaterThan(10);
    const slowest = Math.max(...latencies);
    console.log(`online migration: ${latencies.length} writes, slowest ${slowest.toFixed(0)} ms`);
    expect(slowest).toBeLessThan(1_000);
    const index = await db.pool.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'idx_opportunities_updated_at'`,
    );
    expect(index.rows).toEqual([{ valid: true }]);
  }, 600_000);
});
