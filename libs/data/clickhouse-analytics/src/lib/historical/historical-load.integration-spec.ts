import { randomUUID } from 'node:crypto';
import { CheckpointStore } from '@mch/data-checkpoints';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { createLogger } from '@mch/util-logger';
import { detectAnalyticsCapabilities, type AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { API_USAGE_EVENTS, CONTRACT_DOCUMENT_EVENTS, OPPORTUNITY_EVENTS, PROPOSAL_EVENTS } from '../schema/analytics-tables';
import { ensureAnalyticsTables } from '../schema/analytics-tables.ddl';
import { entityTotals } from '../queries/analytics.queries';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../../testing/clickhouse-test-database';
import { postgresTotals } from '../../testing/postgres-totals';
import { runHistoricalLoad, type HistoricalLoadOptions, type HistoricalRejection } from './historical-load';

const ENTITIES = ['opportunity', 'proposal', 'contract_document', 'usage_record'] as const;

describe('direct historical load from PostgreSQL into ClickHouse (real stores)', () => {
  let pg: MigratedDatabase;
  let ch: ClickHouseTestDatabase;
  let caps: AnalyticsCapabilities;
  let checkpoints: CheckpointStore;
  let unstorable: string;
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
      createMigratedDatabase('ch_historical_it', { load: { opportunities: 800, seed: 11 } }),
      createClickHouseTestDatabase('ch_historical'),
    ]);
    // A valid PostgreSQL value that 18.16's DateTime cannot hold: this row must be dead-lettered.
    const { rows } = await pg.pool.query<{ id: string }>(
      `UPDATE opportunities SET archive_date = '1960-01-01T00:00:00Z' WHERE id = (SELECT id FROM opportunities ORDER BY id OFFSET 5 LIMIT 1) RETURNING id`,
    );
    unstorable = rows[0].id;
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
    expect(await checkpoints.get('it-historical:opportunity')).toMatchObject({ status: 'paused', totalProcessed: 299, totalFailed: 1 });

    const second = await runHistoricalLoad(pg.pool, ch.client, caps, checkpoints, options());
    expect(Object.values(second).every((r) => r.completed)).toBe(true);

    const expectedOpportunities = await pg.pool.query<{ count: number; award: string; est: string }>(
      `SELECT count(*)::int AS count, sum(award_amount)::text AS award, sum(estimated_value_max)::text AS est FROM opportunities WHERE id <> $1`,
      [unstorable],
    );
    expect(await entityTotals(ch.client, OPPORTUNITY_EVENTS)).toEqual({
      count: expectedOpportunities.rows[0].count,
      sums: { award_amount: expectedOpportunities.rows[0].award, estimated_value_max: expectedOpportunities.rows[0].est },
    });
    expect(await entityTotals(ch.client, PROPOSAL_EVENTS)).toEqual(await postgresTotals(pg.pool, PROPOSAL_EVENTS.name));
    expect(await entityTotals(ch.client, API_USAGE_EVENTS)).toEqual(await postgresTotals(pg.pool, API_USAGE_EVENTS.name));
    expect(await entityTotals(ch.client, CONTRACT_DOCUMENT_EVENTS)).toEqual(await postgresTotals(pg.pool, CONTRACT_DOCUMENT_EVENTS.name));
  });

  it('dead-letters the row the column cannot hold, naming entity, id, field and reason', () => {
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      entity: 'opportunity',
      id: unstorable,
      error: {
        code: 'UNSUPPORTED_BY_STORE',
        field: 'archive_date',
        message: `opportunity ${unstorable}: field archive_date 1960-01-01T00:00:00.000Z is outside the column's range 1970-01-01..2105-12-31 23:59:59 (DateTime)`,
      },
    });
    expect(rejected[0].row.archive_date).toBe('1960-01-01 00:00:00+00');
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
});
