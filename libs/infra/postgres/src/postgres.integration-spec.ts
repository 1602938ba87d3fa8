import type { Pool } from 'pg';
import { loadConfig, postgresEnvSchema } from '@mch/util-config';
import { createPostgresDataSource } from './postgres.data-source';
import { createPostgresPool, pingPostgres } from './postgres.client';

describe('PostgreSQL through the project client (real server)', () => {
  const config = loadConfig(postgresEnvSchema);
  let pool: Pool;

  beforeAll(() => {
    pool = createPostgresPool(config, { applicationName: 'infra-postgres-it' });
  });
  afterAll(async () => {
    await pool.query('DROP TABLE IF EXISTS it_postgres_roundtrip');
    await pool.end();
  });

  it('answers with its version and tags the connection with the application name', async () => {
    const { serverVersion } = await pingPostgres(pool);
    expect(serverVersion).toMatch(/^15\./);
    const app = await pool.query<{ name: string }>(
      'SELECT application_name AS name FROM pg_stat_activity WHERE pid = pg_backend_pid()',
    );
    expect(app.rows[0].name).toBe('infra-postgres-it');
  });

  it('writes and reads back rows, jsonb and timestamptz exactly', async () => {
    await pool.query('DROP TABLE IF EXISTS it_postgres_roundtrip');
    await pool.query('CREATE TABLE it_postgres_roundtrip (id uuid PRIMARY KEY, doc jsonb, at timestamptz)');
    const id = '0d9c7a52-3c1e-4c59-9d8e-2f6b1b0c9e11';
    await pool.query('INSERT INTO it_postgres_roundtrip VALUES ($1, $2, $3)', [
      id,
      JSON.stringify({ title: 'Surgical gloves\tnitrile\\' }),
      '2026-01-02T03:04:05.678Z',
    ]);
    const row = await pool.query('SELECT id, doc, at FROM it_postgres_roundtrip WHERE id = $1', [id]);
    expect(row.rows[0]).toEqual({
      id,
      doc: { title: 'Surgical gloves\tnitrile\\' },
      at: new Date('2026-01-02T03:04:05.678Z'),
    });
  });

  it('runs queries through the TypeORM data source used for schema migrations', async () => {
    const dataSource = createPostgresDataSource(config, { applicationName: 'infra-postgres-it-typeorm' });
    await dataSource.initialize();
    try {
      const rows: { db: string }[] = await dataSource.query('SELECT current_database() AS db');
      expect(rows[0].db).toBe(config.PGDATABASE);
    } finally {
      await dataSource.destroy();
    }
  });

  it('survives the server ending a checked-out connection between queries: the next query on it fails, the process lives', async () => {
    const client = await pool.connect();
    let released = false;
    try {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      // As when the server restarts while the holder waits on something else (a Kafka send).
      await pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      released = true;
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      if (!released) client.release(true);
    }
  });
});
