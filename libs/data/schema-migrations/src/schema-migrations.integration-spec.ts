import type { Pool } from 'pg';
import { applyMonolithSchema } from '@mch/monolith-fixture';
import { createTestDatabase, testPostgresConfig, type TestDatabase } from '@mch/testing-database';
import type { PostgresConfig } from '@mch/util-config';
import { SCHEMA_MIGRATIONS, migrateDown, migrateUp, schemaMigrationDataSource } from './schema-migrations';

const OUR_TABLES = ['event_store', 'event_snapshots', 'event_outbox', 'service_processing_log', 'data_migration_state', 'migration_checkpoints'];
const TRACKED = ['opportunities', 'proposals', 'contract_documents'];
const OUR_VIEWS = ['entity_processing_status'];
const TRACKING_COLUMNS = [
  'processed_by_services', 'last_sync_to_kafka', 'embedding_version', 'event_stream_position', 'analytics_synced',
  'ocr_service_version', 'processing_correlation_id',
];

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
    views: (await pool.query(`SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' AND viewname = ANY($1) ORDER BY 1`, [OUR_VIEWS])).rows,
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

describe('migration 020: the tracking columns replaced by a view over the processing log', () => {
  let db: MigratedDatabase;
  const slot = `m020_${Math.random().toString(36).slice(2, 10)}`;

  beforeAll(async () => {
    db = await createDatabase('schema_tracking', { monolith: true });
    await withDataSource(db, migrateUp);
  });
  afterAll(async () => {
    await db?.pool.query(`SELECT pg_drop_replication_slot($1)`, [slot]).catch(() => undefined);
    await db?.drop();
  });

  const trackingColumns = async () =>
    (
      await db.pool.query<{ table_name: string; column_name: string; data_type: string; column_default: string | null }>(
        `SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = ANY($2) AND column_name = ANY($1) ORDER BY 1, 2`,
        [TRACKING_COLUMNS, TRACKED],
      )
    ).rows;

  it('leaves no tracking column on the monolith tables, and the view readable only by the owner', async () => {
    expect(await trackingColumns()).toEqual([]);
    const view = await db.pool.query(`SELECT reloptions FROM pg_class WHERE relname = 'entity_processing_status' AND relkind = 'v'`);
    expect(view.rows[0].reloptions).toEqual(['security_invoker=true']);
    const grants = await db.pool.query(
      `SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE table_name = 'entity_processing_status' AND grantee IN ('anon', 'authenticated')`,
    );
    expect(grants.rows[0].n).toBe(0);
  });

  it('answers what the columns were for from the log, per entity', async () => {
    const id = '00000000-0000-4000-8000-0000000000aa';
    const correlation = '00000000-0000-4000-8000-0000000000cc';
    await db.pool.query(
      `INSERT INTO service_processing_log (entity_id, entity_type, service_name, action, status, correlation_id, metadata, created_at) VALUES
         ($1, 'Opportunity', 'kafka-migrator', 'publish', 'succeeded', NULL, '{"sourcePosition": "lsn:0000000000000010"}', '2026-01-01T00:00:01Z'),
         ($1, 'Opportunity', 'weaviate-indexer', 'index', 'succeeded', NULL, '{"embeddingVersion": 2}', '2026-01-01T00:00:02Z'),
         ($1, 'Opportunity', 'weaviate-indexer', 'index', 'succeeded', NULL, '{"embeddingVersion": 3, "serviceVersion": "1.4.0"}', '2026-01-01T00:00:03Z'),
         ($1, 'Opportunity', 'clickhouse-populator', 'consume', 'dead_lettered', $2, '{"embeddingVersion": "junk"}', '2026-01-01T00:00:04Z'),
         ('00000000-0000-4000-8000-0000000000bb', 'Opportunity', 'clickhouse-populator', 'consume', 'succeeded', NULL, '{}', '2026-01-01T00:00:05Z')`,
      [id, correlation],
    );
    const row = await db.pool.query(
      `SELECT processed_by_services, last_sync_to_kafka, embedding_version, analytics_synced, event_stream_position, service_versions,
              processing_correlation_id, failed_services, last_processed_at
         FROM entity_processing_status WHERE entity_type = 'Opportunity' AND entity_id = $1`,
      [id],
    );
    expect(row.rows).toEqual([
      {
        processed_by_services: { 'kafka-migrator': '2026-01-01T00:00:01+00:00', 'weaviate-indexer': '2026-01-01T00:00:03+00:00' },
        last_sync_to_kafka: new Date('2026-01-01T00:00:01Z'),
        embedding_version: 3,
        analytics_synced: false,
        event_stream_position: 'lsn:0000000000000010',
        service_versions: { 'weaviate-indexer': '1.4.0' },
        processing_correlation_id: correlation,
        failed_services: { 'clickhouse-populator': '2026-01-01T00:00:04+00:00' },
        last_processed_at: new Date('2026-01-01T00:00:04Z'),
      },
    ]);
    const other = await db.pool.query(`SELECT analytics_synced, embedding_version FROM entity_processing_status WHERE entity_id = '00000000-0000-4000-8000-0000000000bb'`);
    expect(other.rows).toEqual([{ analytics_synced: true, embedding_version: 0 }]);
  });

  it('reads one entity through the log index, not a scan of the log', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(`EXPLAIN SELECT * FROM entity_processing_status WHERE entity_type = 'Opportunity' AND entity_id = 'x'`);
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index (Only )?Scan using idx_processing_entity/);
      expect(text).toMatch(/Index Cond: \(entity_id = 'x'::text\)/);
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });

  it('writing the log feeds nothing back into change capture; a write to a monolith row does', async () => {
    await db.pool.query(`CREATE PUBLICATION ${slot} FOR TABLE opportunities`);
    await db.pool.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    const changes = async () =>
      Number(
        (
          await db.pool.query(
            `SELECT count(*) FILTER (WHERE get_byte(data, 0) IN (73, 85, 68))::text AS n
               FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`,
            [slot, slot],
          )
        ).rows[0].n,
      );
    await db.pool.query(
      `INSERT INTO service_processing_log (entity_id, entity_type, service_name, action, status)
       SELECT gen_random_uuid()::text, 'Opportunity', 'weaviate-indexer', 'index', 'succeeded' FROM generate_series(1, 100)`,
    );
    expect(await changes()).toBe(0);
    await db.pool.query(
      `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, created_at, updated_at)
       VALUES ('M020-1', 't', 'a', now(), now(), now(), now())`,
    );
    await db.pool.query(`UPDATE opportunities SET title = 't2' WHERE notice_id = 'M020-1'`);
    expect(await changes()).toBe(2);
  });

  it('down gives the monolith tables back the columns as 017 defined them and drops the view; up again removes them', async () => {
    await withDataSource(db, (ds) => migrateDown(ds, 1));
    expect(await trackingColumns()).toEqual([
      { table_name: 'contract_documents', column_name: 'ocr_service_version', data_type: 'character varying', column_default: null },
      { table_name: 'contract_documents', column_name: 'processing_correlation_id', data_type: 'uuid', column_default: null },
      { table_name: 'opportunities', column_name: 'embedding_version', data_type: 'integer', column_default: '0' },
      { table_name: 'opportunities', column_name: 'last_sync_to_kafka', data_type: 'timestamp with time zone', column_default: null },
      { table_name: 'opportunities', column_name: 'processed_by_services', data_type: 'jsonb', column_default: "'{}'::jsonb" },
      { table_name: 'proposals', column_name: 'analytics_synced', data_type: 'boolean', column_default: 'false' },
      { table_name: 'proposals', column_name: 'event_stream_position', data_type: 'bigint', column_default: null },
    ]);
    expect((await db.pool.query(`SELECT to_regclass('entity_processing_status') AS v`)).rows[0].v).toBeNull();
    expect(await withDataSource(db, migrateUp)).toEqual(['ProcessingStatusView1764000000020']);
    expect(await trackingColumns()).toEqual([]);
  });
});
