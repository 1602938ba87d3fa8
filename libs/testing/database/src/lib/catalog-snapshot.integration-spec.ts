import { catalogSnapshot } from './catalog-snapshot';
import { createTestDatabase, type TestDatabase } from './test-database';

describe('catalogSnapshot (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('catalog_snapshot_it');
  });
  afterAll(async () => {
    await db.drop();
  });

  const create = 'CREATE TABLE t (id int PRIMARY KEY, name text DEFAULT $$x$$ NOT NULL)';

  it('is stable while nothing changes and sees a new column', async () => {
    await db.pool.query(create);
    const before = await catalogSnapshot(db.pool);
    expect(await catalogSnapshot(db.pool)).toEqual(before);
    expect(before.some((line) => line.startsWith('column|public|t|name|'))).toBe(true);
    await db.pool.query('ALTER TABLE t ADD COLUMN extra int');
    expect(await catalogSnapshot(db.pool)).not.toEqual(before);
    await db.pool.query('DROP TABLE t');
  });

  it('tells an identical re-creation apart only when OIDs are included', async () => {
    await db.pool.query(create);
    const plain = await catalogSnapshot(db.pool);
    const withOids = await catalogSnapshot(db.pool, { withOids: true });
    await db.pool.query('DROP TABLE t');
    await db.pool.query(create);
    expect(await catalogSnapshot(db.pool)).toEqual(plain);
    expect(await catalogSnapshot(db.pool, { withOids: true })).not.toEqual(withOids);
    await db.pool.query('DROP TABLE t');
  });
});
