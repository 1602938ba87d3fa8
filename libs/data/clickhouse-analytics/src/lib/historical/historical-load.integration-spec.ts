import { randomUUID } from 'node:crypto';
import { CheckpointStore } from '@mch/data-checkpoints';
import { createPostgresPool } from '@mch/infra-postgres';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { createLogger } from '@mch/util-logger';
import { detectAnalyticsCapabilities, type AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { API_USAGE_EVENTS, CONTRACT_DOCUMENT_EVENTS, OPPORTUNITY_EVENTS, PROPOSAL_EVENTS } from '../schema/analytics-tables';
import { ensureAnalyticsTables } from '../schema/analytics-tables.ddl';
import { entityTotals, lossyRows } from '../queries/analytics.queries';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../../testing/clickhouse-test-database';
import { postgresTotals } from '../../testing/postgres-totals';
import { runHistoricalLoad, type HistoricalLoadOptions, type HistoricalRejection } from './historical-load';

const ENTITIES = ['opportunity', 'proposal', 'contract_document', 'usage_record'] as const;

describe('direct historical load from PostgreSQL into ClickHouse (real stores)', () => {
  let pg: MigratedDatabase;
  let ch: ClickHouseTestDatabase;
  let caps: AnalyticsCapabilities;
  let checkpoints: CheckpointStore;
  let outOfRange: string;
  const rejected: HistoricalRejection[] = [];
  const options = (patch: Partial<HistoricalLoadOptions> = {}): HistoricalLoadOptions => ({
    entities: ENTITIES,
    chunkRows: 300,
    captureMode: 'logical',
    correlationId: randomUUID(),
    migrationName: 'it-historical',
    logger: createLogger({ service: 'historical-it', level: 'error', sink: () => undefined }),
    onRejected: async (list) => {
      rejected.push(...list);
    },
    ...patch,
  });
  const rawRows = async (table: string) =>
    Number((await (await ch.client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })).json<{ n: string }>())[0].n);

  beforeAll(async () => {
    [pg, ch] = await Promise.all([
      createMigratedDatabase('ch_historical_it', { load: { opportunities: 800, seed: 11, edgeCases: true } }),
      createClickHouseTestDatabase('ch_historical'),
    ]);
    // A valid PostgreSQL value that 18.16's DateTime cannot hold: stored with archive_date NULL and flagged.
    const { rows } = await pg.pool.query<{ id: string }>(
      `UPDATE opportunities SET archive_date = '1960-01-01T00:00:00Z' WHERE id = (SELECT id FROM opportunities ORDER BY id OFFSET 5 LIMIT 1) RETURNING id`,
    );
    outOfRange = rows[0].id;
    caps = await detectAnalyticsCapabilities(ch.client);
    await ensureAnalyticsTables(ch.client, caps);
    checkpoints = new CheckpointStore(pg.pool);
  });
  afterAll(async () => {
    await Promise.all([pg.drop(), ch.drop()]);
  });

  it('stops after a slice and resumes from its checkpoint to exact counts and sums', async () => {
    const first = await runHistoricalLoad(pg.pool, ch.client, caps, checkpoints, options({ maxChunks: 1 }));
    expect(first.opportunity).toMatchObject({ chunks: 1, completed: false });
    expect(await checkpoints.get('it-historical:opportunity')).toMatchObject({ status: 'paused', totalProcessed: 300, totalFailed: 0 });

    const second = await runHistoricalLoad(pg.pool, ch.client, caps, checkpoints, options());
    expect(Object.values(second).every((r) => r.completed)).toBe(true);

    expect(await entityTotals(ch.client, OPPORTUNITY_EVENTS)).toEqual(await postgresTotals(pg.pool, OPPORTUNITY_EVENTS.name));
    expect(await entityTotals(ch.client, PROPOSAL_EVENTS)).toEqual(await postgresTotals(pg.pool, PROPOSAL_EVENTS.name));
    expect(await entityTotals(ch.client, API_USAGE_EVENTS)).toEqual(await postgresTotals(pg.pool, API_USAGE_EVENTS.name));
    expect(await entityTotals(ch.client, CONTRACT_DOCUMENT_EVENTS)).toEqual(await postgresTotals(pg.pool, CONTRACT_DOCUMENT_EVENTS.name));
  });

  it('keeps the row the column cannot hold: NULL there, the original text flagged; nothing dead-lettered', async () => {
    expect(rejected).toEqual([]);
    const query = `SELECT toString(archive_date) AS archive, lossy_fields, visitParamExtractString(raw_values, 'archive_date') AS original
                     FROM opportunity_events WHERE opportunity_id = '${outOfRange}'`;
    const stored = await (await ch.client.query({ query, format: 'JSONEachRow' })).json();
    expect(stored).toEqual([{ archive: null, lossy_fields: ['archive_date'], original: '1960-01-01T00:00:00.000Z' }]);
  });

  it("loads the monolith's edge rows (years 0001, 1969 µs, 2106, 9999, BC, ±infinity, NaN) as flagged rows, by the same rules as events", async () => {
    const originals = (await lossyRows(ch.client, OPPORTUNITY_EVENTS)).flatMap((r) => Object.values(r.rawValues));
    expect(originals).toEqual(
      expect.arrayContaining(['0001-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999999Z', '2106-02-08T06:28:16.000Z', '9999-12-31T23:59:59.999999Z', 'infinity', '-infinity', 'NaN']),
    );
    expect(originals.some((o) => o.startsWith('-0000'))).toBe(true);
    expect((await lossyRows(ch.client, PROPOSAL_EVENTS)).flatMap((r) => Object.values(r.rawValues))).toContain('NaN');
  });

  it('reloading after a crash before the checkpoint duplicates rows on disk but changes no result', async () => {
    const before = await entityTotals(ch.client, PROPOSAL_EVENTS);
    const stored = await rawRows(PROPOSAL_EVENTS.name);
    // Losing the checkpoint is what a crash between INSERT and checkpoint save amounts to, for every chunk.
    await checkpoints.reset('it-historical:proposal');
    const again = await runHistoricalLoad(pg.pool, ch.client, caps, checkpoints, options({ entities: ['proposal'] }));
    expect(again.proposal).toMatchObject({ loaded: stored, completed: true });
    expect(await rawRows(PROPOSAL_EVENTS.name)).toBe(2 * stored);
    expect(await entityTotals(ch.client, PROPOSAL_EVENTS)).toEqual(before);
  });

  it('does nothing for entities whose load has completed', async () => {
    const rerun = await runHistoricalLoad(pg.pool, ch.client, caps, checkpoints, options());
    expect(Object.values(rerun).map((r) => r.loaded)).toEqual([0, 0, 0, 0]);
  });

  it('refuses to load through a role that row level security filters (it would load a fraction without an error)', async () => {
    const role = `it_hist_rls_${randomUUID().slice(0, 8)}`;
    const password = randomUUID();
    await pg.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await pg.pool.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const restricted = createPostgresPool({ ...pg.config, PGUSER: role, PGPASSWORD: password }, { applicationName: 'historical-rls-it', max: 2 });
    try {
      await expect(runHistoricalLoad(restricted, ch.client, caps, checkpoints, options({ migrationName: 'it-historical-rls' }))).rejects.toThrow(
        `table opportunities has row level security and role ${role} does not bypass it: a historical load would silently skip rows`,
      );
    } finally {
      await restricted.end();
      await pg.pool.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; DROP ROLE ${role}`);
    }
  });
});

