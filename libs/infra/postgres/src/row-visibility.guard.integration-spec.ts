import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { loadConfig, postgresEnvSchema } from '@mch/util-config';
import { createPostgresPool } from './postgres.client';
import { assertReadsEveryRow } from './row-visibility.guard';

describe('assertReadsEveryRow (real PostgreSQL, real roles and policies)', () => {
  const config = loadConfig(postgresEnvSchema);
  const suffix = randomUUID().slice(0, 8);
  const table = `it_rls_${suffix}`;
  const reader = `it_rls_reader_${suffix}`;
  const password = randomUUID();
  let admin: Pool;
  const pools: Pool[] = [];
  const as = (user: string) => {
    const pool = createPostgresPool({ ...config, PGUSER: user, PGPASSWORD: password }, { applicationName: 'rls-guard-it', max: 1 });
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    admin = createPostgresPool(config, { applicationName: 'rls-guard-it', max: 2 });
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, visible boolean)`);
    await admin.query(`INSERT INTO ${table} VALUES (1, true), (2, false)`);
    await admin.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
    await admin.query(`CREATE POLICY only_visible ON ${table} FOR SELECT USING (visible)`);
    await admin.query(`CREATE ROLE ${reader} LOGIN PASSWORD '${password}'`);
    await admin.query(`GRANT SELECT ON ${table} TO ${reader}`);
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.query(`DROP ROLE IF EXISTS ${reader}`);
    await admin.end();
  });

  it('refuses a role the policy filters, naming table, role and reader (it would have read 1 of 2 rows)', async () => {
    const pool = as(reader);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(1);
    await expect(assertReadsEveryRow(pool, [table], 'consistency check')).rejects.toThrow(
      `table ${table} has row level security and role ${reader} does not bypass it: a consistency check would silently skip rows`,
    );
  });

  it('accepts the owner, and refuses the owner once RLS is forced (unless its role bypasses RLS)', async () => {
    await expect(assertReadsEveryRow(admin, [table], 'backfill')).resolves.toBeUndefined();
    // BYPASSRLS can only be granted by a superuser; the stack's role is neither, so this is the forced case.
    const { bypass } = (await admin.query<{ bypass: boolean }>(`SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user`)).rows[0];
    await admin.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    try {
      const seen = (await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
      expect(seen).toBe(bypass ? 2 : 1);
      if (bypass) await expect(assertReadsEveryRow(admin, [table], 'backfill')).resolves.toBeUndefined();
      else await expect(assertReadsEveryRow(admin, [table], 'backfill')).rejects.toThrow(/does not bypass it: a backfill would silently skip rows/);
    } finally {
      await admin.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
    }
  });

  it('refuses a table that does not exist instead of reading it as empty', async () => {
    await expect(assertReadsEveryRow(admin, [table, `${table}_missing`], 'historical load')).rejects.toThrow(
      `table ${table}_missing does not exist in this database: the historical load reads it`,
    );
  });
});
