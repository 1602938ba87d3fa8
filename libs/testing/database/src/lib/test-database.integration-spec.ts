import { Client } from 'pg';
import { stackPgConfig } from './stack-pg-config';
import { createTestDatabase } from './test-database';

async function databaseOwner(name: string): Promise<string | null> {
  const client = new Client(stackPgConfig());
  await client.connect();
  try {
    const { rows } = await client.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [name],
    );
    return rows[0]?.owner ?? null;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase (real PostgreSQL)', () => {
  it('creates a fresh database owned by the connecting role and connects its pool to it', async () => {
    const db = await createTestDatabase('testing_stack_it');
    try {
      expect(await databaseOwner(db.name)).toBe(stackPgConfig().user);
      const { rows } = await db.pool.query<{ db: string; tables: string }>(
        "SELECT current_database() AS db, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS tables",
      );
      expect(rows[0]).toEqual({ db: db.name, tables: '0' });
    } finally {
      await db.drop();
    }
    expect(await databaseOwner(db.name)).toBeNull();
  });

  it('gives each call its own database', async () => {
    const [a, b] = await Promise.all([
      createTestDatabase('testing_stack_it'),
      createTestDatabase('testing_stack_it'),
    ]);
    try {
      expect(a.name).not.toBe(b.name);
      await a.pool.query('CREATE TABLE only_in_a (id int)');
      const { rows } = await b.pool.query("SELECT to_regclass('public.only_in_a') AS t");
      expect(rows[0]).toEqual({ t: null });
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('drops the database even while another session is still connected to it, and drop() is idempotent', async () => {
    const db = await createTestDatabase('testing_stack_it');
    const straggler = new Client({ ...stackPgConfig(), database: db.name });
    straggler.on('error', () => undefined);
    await straggler.connect();
    await db.drop();
    await db.drop();
    expect(await databaseOwner(db.name)).toBeNull();
    await expect(straggler.query('SELECT 1')).rejects.toThrow();
    await straggler.end().catch(() => undefined);
  });

  it('waits out a session it may not terminate (as an autovacuum worker in the database is) and then drops', async () => {
    const db = await createTestDatabase('testing_stack_it');
    const role = `it_other_${Date.now()}`;
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    const other = new Client({ ...stackPgConfig(), user: role, password, database: db.name });
    other.on('error', () => undefined);
    await other.connect();
    try {
      // FORCE refuses while this session lives (42501); it leaves after a second.
      const leaving = new Promise((resolve) => setTimeout(resolve, 1_000)).then(() => other.end());
      await db.drop();
      await leaving;
      expect(await databaseOwner(db.name)).toBeNull();
    } finally {
      await other.end().catch(() => undefined);
      const admin = new Client(stackPgConfig());
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });
});
