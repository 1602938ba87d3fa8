import { ENTITY_TOPICS, type EventEnvelope } from '@mch/contracts';
import { isDomainException } from '@mch/util-errors';
import { detectAnalyticsCapabilities, type AnalyticsCapabilities } from './capabilities/analytics-capabilities';
import { ANALYTICS_TABLES, OPPORTUNITY_EVENTS, PROPOSAL_EVENTS } from './schema/analytics-tables';
import { ensureAnalyticsTables } from './schema/analytics-tables.ddl';
import { ClickHouseAnalyticsSink } from './sink/clickhouse-analytics.sink';
import { entityTotals } from './queries/analytics.queries';
import { restoreTable, snapshotTable } from './snapshot/table-snapshot';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../testing/clickhouse-test-database';
import { consumed, entityEvent, opportunityData, testId } from '../testing/event-factory';

describe('ClickHouse analytics tables (real 18.16 server)', () => {
  let db: ClickHouseTestDatabase;
  let caps: AnalyticsCapabilities;
  let sink: ClickHouseAnalyticsSink;

  const rows = async <T = Record<string, unknown>>(query: string) => (await db.client.query({ query, format: 'JSONEachRow' })).json<T>();

  beforeAll(async () => {
    db = await createClickHouseTestDatabase('ch_analytics');
    caps = await detectAnalyticsCapabilities(db.client);
    sink = new ClickHouseAnalyticsSink(
      db.client,
      caps,
      new Map(ANALYTICS_TABLES.map((t) => [ENTITY_TOPICS[t.entity].name, t])),
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  it('detects the local server as 18.16 without DateTime64, skip indexes or EXCHANGE', () => {
    expect(caps).toMatchObject({ dateTime64: false, skipIndexes: false, exchangeTables: false, lowCardinality: false });
  });

  it('creates the tables, and a second create is a no-op', async () => {
    expect(await ensureAnalyticsTables(db.client, caps)).toEqual({ created: ANALYTICS_TABLES.map((t) => t.name), existing: [], upgraded: [] });
    await sink.write([consumed(entityEvent('opportunity', testId('noop'), 1, 'snapshot', opportunityData(testId('noop'))))]);
    const before = await rows(`SELECT name, engine_full, metadata_modification_time FROM system.tables WHERE database = currentDatabase() ORDER BY name`);
    expect(await ensureAnalyticsTables(db.client, caps)).toEqual({ created: [], existing: ANALYTICS_TABLES.map((t) => t.name), upgraded: [] });
    expect(await rows(`SELECT name, engine_full, metadata_modification_time FROM system.tables WHERE database = currentDatabase() ORDER BY name`)).toEqual(before);
    expect(await rows(`SELECT toString(count()) AS n FROM opportunity_events`)).toEqual([{ n: '1' }]);
    await db.client.command({ query: 'TRUNCATE TABLE opportunity_events' });
  });

  it('refuses to write into an existing table of another shape, naming table and column', async () => {
    await db.client.command({ query: 'CREATE TABLE wrong_shape (event_id UUID, event_type UInt8) ENGINE = Memory' });
    const error = await ensureAnalyticsTables(db.client, caps, [{ ...OPPORTUNITY_EVENTS, name: 'wrong_shape' }]).catch((e: unknown) => e);
    expect(isDomainException(error) && error.code).toBe('PRECONDITION_FAILED');
    expect((error as Error).message).toBe('ClickHouse table wrong_shape exists with a different shape: column event_type is UInt8, expected String');
  });

  it('keeps results exact through duplicates, replays, out-of-order versions and deletes, before any merge', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((l) => testId(`exact-${l}`));
    const opp = (id: string, seq: number, op: 'snapshot' | 'update' | 'delete', amount: string | null) =>
      consumed(entityEvent('opportunity', id, seq, op, op === 'delete' ? null : opportunityData(id, { awardAmount: amount })));
    // A: the latest version has no award amount (argMax on a Nullable column alone would skip it).
    await sink.write([opp(a, 10, 'snapshot', '100.00'), opp(b, 10, 'snapshot', '500.55'), opp(c, 20, 'update', '9999999999999.99')]);
    await sink.write([opp(a, 20, 'update', null), opp(a, 10, 'snapshot', '100.00'), opp(b, 30, 'delete', null)]);
    await sink.write([opp(b, 10, 'snapshot', '500.55'), opp(c, 10, 'snapshot', '1.00'), opp(c, 20, 'update', '9999999999999.99'), opp(c, 20, 'update', '9999999999999.99')]);
    await sink.write([opp(b, 30, 'delete', null)]);

    expect(await entityTotals(db.client, OPPORTUNITY_EVENTS)).toEqual({ count: 2, sums: { award_amount: '9999999999999.99', estimated_value_max: null } });
    // Eleven deliveries, six versions: FINAL shows one row per version even before a merge ran.
    expect(await rows(`SELECT toString(count()) AS n FROM opportunity_events`)).toEqual([{ n: '11' }]);
    expect(await rows(`SELECT toString(count()) AS n FROM opportunity_events FINAL`)).toEqual([{ n: '6' }]);
    await db.client.command({ query: 'OPTIMIZE TABLE opportunity_events FINAL' });
    expect(await rows(`SELECT toString(count()) AS n FROM opportunity_events`)).toEqual([{ n: '6' }]);
    expect(await entityTotals(db.client, OPPORTUNITY_EVENTS)).toEqual({ count: 2, sums: { award_amount: '9999999999999.99', estimated_value_max: null } });
  });

  it('stores type edge cases exactly, flags what a column cannot hold, and dead-letters schema violations with entity, id, field and reason', async () => {
    const id = (l: string) => testId(`edge-${l}`);
    const longTitle = `Ø±µL°C\t"quoted"\n\\\\server\\share\\ ${'x'.repeat(300_000)} ₂ 🙂 end\\`;
    const event = (label: string, patch: Record<string, unknown>, timestamp?: string): EventEnvelope => {
      const e = entityEvent('opportunity', id(label), 1, 'snapshot', opportunityData(id(label), patch));
      return timestamp ? { ...e, timestamp } : e;
    };
    const proposal = entityEvent('proposal', id('proposal'), 1, 'snapshot', {
      id: id('proposal'),
      opportunityId: 'not-a-uuid',
      companyId: id('company'),
      createdBy: id('user'),
      title: 't',
      status: 'draft',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    const result = await sink.write([
      consumed(event('nulls', { awardAmount: null, awardDate: null, naicsCode: null, setAsideType: null, createdAt: null })),
      consumed(event('max', { awardAmount: '9999999999999.99', estimatedValueMax: '0.01' })),
      consumed(event('millis', { updatedAt: '2025-03-02T15:00:00.123Z' })),
      consumed(event('long', { title: longTitle })),
      consumed(event('edge-2105', { archiveDate: '2105-12-31T23:59:59.999Z' })),
      consumed(event('overflow', { awardAmount: '12345678901234567.00' })),
      consumed(event('rounding', { awardAmount: '10.005' })),
      consumed(event('pre-1970', { postedDate: '1969-07-20T20:17:40.000Z' })),
      consumed(event('after-2105', { responseDeadline: '2106-01-01T00:00:00.000Z' })),
      consumed(event('surrogate', { title: 'bad \ud83d pair' })),
      consumed(proposal, 'proposal'),
    ]);
    const rejected = Object.fromEntries(result.rejected.map((r) => [r.record.value.aggregateId, r.error]));
    expect(rejected).toEqual({
      [id('proposal')]: { code: 'VALIDATION_FAILED', field: 'opportunity_id', message: `proposal ${id('proposal')}: field opportunity_id is not a UUID: "not-a-uuid"` },
    });
    // Legal values the columns cannot hold: the row is there, the column NULL (nullable) or clamped, the original kept.
    const flagged = await rows<Record<string, unknown>>(`
      SELECT toString(opportunity_id) AS id, toString(award_amount) AS award, toString(toUInt32(posted_date)) AS posted, toString(response_deadline) AS deadline,
             title, lossy_fields, raw_values FROM opportunity_events
       WHERE opportunity_id IN ('${id('overflow')}', '${id('rounding')}', '${id('pre-1970')}', '${id('after-2105')}', '${id('surrogate')}') ORDER BY id`);
    expect(Object.fromEntries(flagged.map(({ id: key, ...rest }) => [key, rest]))).toMatchObject({
      [id('overflow')]: { award: null, lossy_fields: ['award_amount'], raw_values: '{"award_amount":"12345678901234567.00"}' },
      [id('rounding')]: { award: '10.00', lossy_fields: ['award_amount'], raw_values: '{"award_amount":"10.005"}' },
      [id('pre-1970')]: { posted: '0', lossy_fields: ['posted_date'], raw_values: '{"posted_date":"1969-07-20T20:17:40.000Z"}' },
      [id('after-2105')]: { deadline: '2105-12-31 23:59:59', lossy_fields: ['response_deadline'], raw_values: '{"response_deadline":"2106-01-01T00:00:00.000Z"}' },
      [id('surrogate')]: { title: 'bad \ufffd pair', lossy_fields: ['title'], raw_values: '{"title":"bad \\ud83d pair"}' },
    });

    const stored = await rows<Record<string, string | string[] | null>>(`
      SELECT toString(opportunity_id) AS id, toString(award_amount) AS award, toString(award_date) AS award_date, naics_code, toString(created_at) AS created,
             toString(updated_at) AS updated, toString(updated_at_ms) AS updated_ms, toString(archive_date) AS archive, toString(archive_date_ms) AS archive_ms,
             toString(estimated_value_max) AS est_max, toString(length(title)) AS title_bytes, title,
             lossy_fields
        FROM opportunity_events WHERE opportunity_id IN ('${id('nulls')}', '${id('max')}', '${id('millis')}', '${id('long')}', '${id('edge-2105')}') ORDER BY title_bytes, id`);
    const byId = Object.fromEntries(stored.map((r) => [r.id, r]));
    expect(stored.map((r) => r.lossy_fields)).toEqual(stored.map(() => []));
    expect(stored).toHaveLength(5);
    expect(byId[id('nulls')]).toMatchObject({ award: null, award_date: null, naics_code: null, created: null });
    expect(byId[id('max')]).toMatchObject({ award: '9999999999999.99', est_max: '0.01' });
    expect(byId[id('millis')]).toMatchObject({ updated: '2025-03-02 15:00:00', updated_ms: '123' });
    expect(byId[id('edge-2105')]).toMatchObject({ archive: '2105-12-31 23:59:59', archive_ms: '999' });
    expect(byId[id('long')].title).toBe(longTitle);
    expect(Number(byId[id('long')].title_bytes)).toBe(Buffer.byteLength(longTitle, 'utf8'));
    expect(await rows(`SELECT toString(count()) AS n FROM proposal_events`)).toEqual([{ n: '0' }]);
  });

  it('snapshots a table, and restoring after damage gives back exactly the snapshot', async () => {
    const dump = () => rows(`SELECT * FROM ${PROPOSAL_EVENTS.name} ORDER BY event_id, source_position`);
    const proposal = (label: string, seq: number, price: string) =>
      consumed(
        entityEvent('proposal', testId(label), seq, seq === 1 ? 'snapshot' : 'update', {
          id: testId(label),
          opportunityId: testId('opp'),
          companyId: testId('company'),
          createdBy: testId('user'),
          title: `proposal ${label}`,
          status: 'submitted',
          totalProposedPrice: price,
          winProbability: '0.35',
          createdAt: '2025-01-01T00:00:00.000Z',
          updatedAt: '2025-01-02T00:00:00.000Z',
        }),
        'proposal',
      );
    await sink.write([proposal('p1', 1, '10.00'), proposal('p2', 1, '20.00'), proposal('p3', 1, '30.00')]);
    const snapshot = await dump();
    expect(await snapshotTable(db.client, PROPOSAL_EVENTS.name, 'before_run')).toEqual({ snapshotTable: 'proposal_events__snapshot__before_run', rows: 3 });
    await expect(snapshotTable(db.client, PROPOSAL_EVENTS.name, 'before_run')).rejects.toThrow('snapshot before_run of proposal_events already exists');

    await sink.write([proposal('p1', 2, '999.00'), proposal('p4', 1, '40.00')]);
    await db.client.command({ query: `ALTER TABLE proposal_events DROP PARTITION 202501` });
    await sink.write([proposal('p5', 1, '50.00')]);
    expect(await dump()).not.toEqual(snapshot);

    expect(await restoreTable(db.client, caps, PROPOSAL_EVENTS.name, 'before_run')).toEqual({ rows: 3 });
    expect(await dump()).toEqual(snapshot);
    expect(await entityTotals(db.client, PROPOSAL_EVENTS)).toEqual({ count: 3, sums: { total_proposed_price: '60.00' } });
    // The snapshot survives the restore, and nothing of the swap is left behind.
    const tables = await rows<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'proposal_events%' ORDER BY name`);
    expect(tables.map((t) => t.name)).toEqual(['proposal_events', 'proposal_events__snapshot__before_run']);
    await expect(restoreTable(db.client, caps, PROPOSAL_EVENTS.name, 'missing')).rejects.toThrow('snapshot missing of proposal_events does not exist');
  });
});
