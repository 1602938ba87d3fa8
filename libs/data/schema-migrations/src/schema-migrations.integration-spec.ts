import type { Pool } from 'pg';
import { applyMonolithSchema } from '@mch/monolith-fixture';
import { createTestDatabase, testPostgresConfig, type TestDatabase } from '@mch/testing-database';
import type { PostgresConfig } from '@mch/util-config';
import { SCHEMA_MIGRATIONS, migrateDown, migrateUp, schemaMigrationDataSource } from './schema-migrations';

const OUR_TABLES = ['event_store', 'event_snapshots', 'event_outbox', 'service_processing_log', 'data_migration_state', 'migration_checkpoints'];
const TRACKED = ['opportunities', 'proposals', 'contract_documents'];

/** Everything the migrations define, by name (attribute numbers move when columns are re-added). */
async function catalog(pool: Pool): Promise<unknown> {
  const tables = [...OUR_TABLES, ...TRACKED];
  const q = async (sql: string) => (await pool.query(sql, [tables])).rows;
  return {
    columns: await q(`SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length
                        FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY($1)
                       ORDER BY table_name, column_name`),
    constraints: await q(`SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                           WHERE conrelid::regclass::text = ANY($1) ORDER BY 1, 2`),
    indexes: await q(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY 1, 2`),
    rls: await q(`SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY($1) AND relkind = 'r' ORDER BY 1`),
    grants: await q(`SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants
                      WHERE table_schema = 'public' AND table_name = ANY($1) ORDER BY 1, 2, 3`),
  };
}

type MigratedDatabase = TestDatabase & { readonly config: PostgresConfig };

/**
 * A fresh database, with the monolith's schema when asked, and its settings in the config loader's
 * shape. (Not @mch/testing-stack's createMigratedDatabase: that helper is built on this lib.)
 */
async function createDatabase(prefix: string, { monolith }: { monolith: boolean }): Promise<MigratedDatabase> {
  const database = await createTestDatabase(prefix);
  try {
    if (monolith) await applyMonolithSchema(database.pool);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return Object.assign(database, { config: testPostgresConfig(database.name) });
}

async function withDataSource<T>(db: MigratedDatabase, work: (ds: ReturnType<typeof schemaMigrationDataSource>) => Promise<T>): Promise<T> {
  const dataSource = schemaMigrationDataSource(db.config, 'schema-migrations-it');
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

describe('schema migrations 016-018 on real PostgreSQL', () => {
  let db: MigratedDatabase;

  beforeAll(async () => {
    db = await createDatabase('schema_migrations', { monolith: true });
    await withDataSource(db, migrateUp);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates the tables, with uniqueness on (aggregate_id, event_version) and RLS on every new table', async () => {
    const present = await db.pool.query<{ relname: string; relrowsecurity: boolean }>(`SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY($1) AND relkind = 'r' ORDER BY 1`, [OUR_TABLES]);
    expect(present.rows.map((r) => r.relname)).toEqual([...OUR_TABLES].sort());
    expect(present.rows.every((r) => r.relrowsecurity)).toBe(true);
    const unique = await db.pool.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'event_store_aggregate_version_key'`);
    expect(unique.rows[0].def).toBe('UNIQUE (aggregate_id, event_version)');
    await db.pool.query(`INSERT INTO event_store (aggregate_id, aggregate_type, event_type, event_version, event_data)
                         VALUES ('00000000-0000-4000-8000-000000000001', 'T', 'E', 1, '{}')`);
    await expect(
      db.pool.query(`INSERT INTO event_store (aggregate_id, aggregate_type, event_type, event_version, event_data)
                     VALUES ('00000000-0000-4000-8000-000000000001', 'T', 'E', 1, '{}')`),
    ).rejects.toThrow(/event_store_aggregate_version_key/);
  });

  it('references auth.users where it exists (the fixture has Supabase auth) and keeps anon and authenticated out', async () => {
    const fk = await db.pool.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'event_store_user_id_fkey'`);
    expect(fk.rows[0].def).toContain('REFERENCES auth.users(id)');
    const grants = await db.pool.query(
      `SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE table_name = ANY($1) AND grantee IN ('anon', 'authenticated')`,
      [OUR_TABLES],
    );
    expect(grants.rows[0].n).toBe(0);
  });

  it('applying again changes nothing', async () => {
    const before = await catalog(db.pool);
    expect(await withDataSource(db, migrateUp)).toEqual([]);
    expect(await catalog(db.pool)).toEqual(before);
  });

  it('down removes everything the migrations added, and up again rebuilds the same catalog', async () => {
    await db.pool.query('DELETE FROM event_store');
    const once = await catalog(db.pool);
    await withDataSource(db, (ds) => migrateDown(ds));
    const gone = await db.pool.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname = ANY($1)`, [OUR_TABLES]);
    expect(gone.rows[0].n).toBe(0);
    const columns = await db.pool.query(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'opportunities'
         AND column_name IN ('processed_by_services', 'last_sync_to_kafka', 'embedding_version')`,
    );
    expect(columns.rows[0].n).toBe(0);
    await withDataSource(db, migrateUp);
    expect(await catalog(db.pool)).toEqual(once);
  });
});

describe('schema migrations on plain PostgreSQL without the auth schema', () => {
  let db: MigratedDatabase;

  afterAll(async () => {
    await db?.drop();
  });

  it('creates the event store without the auth.users reference', async () => {
    db = await createDatabase('schema_plain', { monolith: false });
    await db.pool.query(`CREATE TABLE opportunities (id uuid PRIMARY KEY, updated_at timestamptz);
                         CREATE TABLE proposals (id uuid PRIMARY KEY); CREATE TABLE contract_documents (id uuid PRIMARY KEY)`);
    expect(await withDataSource(db, migrateUp)).toHaveLength(SCHEMA_MIGRATIONS.length);
    const fk = await db.pool.query(`SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'event_store_user_id_fkey'`);
    expect(fk.rows[0].n).toBe(0);
  });

  it('017 refuses a database without the monolith tables, naming them', async () => {
    const empty = await createDatabase('schema_empty', { monolith: false });
    try {
      await expect(withDataSource(empty, migrateUp)).rejects.toThrow(
        'migration 017 needs the monolith tables; missing: opportunities, proposals, contract_documents',
      );
    } finally {
      await empty.drop();
    }
  });
});
