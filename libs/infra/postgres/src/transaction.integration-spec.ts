import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { loadConfig, postgresEnvSchema } from '@mch/util-config';
import { createPostgresPool } from './postgres.client';
import { inTransaction } from './transaction';

describe('inTransaction (real server)', () => {
  const config = loadConfig(postgresEnvSchema);
  const table = `it_tx_${randomUUID().slice(0, 8)}`;
  let pool: Pool;

  beforeAll(async () => {
    pool = createPostgresPool(config, { applicationName: 'infra-postgres-tx-it', max: 1 });
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  it('commits the work and returns its result', async () => {
    const n = await inTransaction(pool, async (client) => (await client.query(`INSERT INTO ${table} VALUES (1), (2)`)).rowCount);
    expect(n).toBe(2);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(2);
  });

  it('rolls the work back when it fails and throws its error', async () => {
    await expect(
      inTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${table} VALUES (3)`);
        await client.query(`INSERT INTO ${table} VALUES (1)`);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await pool.query(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id)).toEqual([1, 2]);
  });

  it('after the connection is lost under the work, throws the work error (not the failed rollback) and drops the client from the pool', async () => {
    // The backend ends itself, as a failover or an administrator's pg_terminate_backend would end it.
    const error = await inTransaction(pool, (client) => client.query('SELECT pg_terminate_backend(pg_backend_pid())')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '57P01' });
    // The pool (max 1) holds no broken client: the next caller gets a new connection and succeeds.
    expect(pool.totalCount).toBe(0);
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });
});
