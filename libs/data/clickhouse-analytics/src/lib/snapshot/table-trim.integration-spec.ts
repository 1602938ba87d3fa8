import { ENTITY_TOPICS } from '@mch/contracts';
import { detectAnalyticsCapabilities, type AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { ANALYTICS_TABLES, OPPORTUNITY_EVENTS } from '../schema/analytics-tables';
import { ensureAnalyticsTables } from '../schema/analytics-tables.ddl';
import { ClickHouseAnalyticsSink } from '../sink/clickhouse-analytics.sink';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../../testing/clickhouse-test-database';
import { consumed, entityEvent, opportunityData, testId } from '../../testing/event-factory';
import { countRows, trimCounts, trimTableSince } from './table-trim';

/** Rollback's ClickHouse trim on the real 18.16 server (DateTime seconds + a milliseconds column). */
describe('trimTableSince (real 18.16 server)', () => {
  let db: ClickHouseTestDatabase;
  let caps: AnalyticsCapabilities;

  beforeAll(async () => {
    db = await createClickHouseTestDatabase('ch_trim');
    caps = await detectAnalyticsCapabilities(db.client);
    await ensureAnalyticsTables(db.client, caps);
    const sink = new ClickHouseAnalyticsSink(db.client, caps, new Map(ANALYTICS_TABLES.map((t) => [ENTITY_TOPICS[t.entity].name, t])));
    // One event per millisecond around the point, plus one a second before and after it.
    const at = ['2026-12-01T10:00:00.000Z', '2026-12-01T10:00:00.998Z', '2026-12-01T10:00:00.999Z', '2026-12-01T10:00:01.000Z', '2026-12-01T10:00:01.001Z', '2026-12-01T10:00:02.000Z'];
    await sink.write(
      at.map((timestamp, i) => {
        const id = testId(`trim-${i}`);
        return consumed({ ...entityEvent('opportunity', id, i + 1, 'snapshot', opportunityData(id)), timestamp }, 'opportunity', i);
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('counts and deletes exactly the rows of events at or after the point, to the millisecond, and a repeat deletes nothing', async () => {
    const point = new Date('2026-12-01T10:00:00.999Z');
    expect(caps.dateTime64).toBe(false);
    expect(await trimCounts(db.client, caps, OPPORTUNITY_EVENTS.name, point)).toEqual({ rows: 6, trimmed: 4 });
    expect(await trimTableSince(db.client, caps, OPPORTUNITY_EVENTS.name, point)).toEqual({ deleted: 4, rows: 2 });
    const left = await (await db.client.query({ query: `SELECT toUInt32(event_timestamp) AS s, event_timestamp_ms AS ms FROM opportunity_events ORDER BY s, ms`, format: 'JSONEachRow' })).json<{ s: number; ms: number }>();
    expect(left.map((r) => Number(r.s) * 1000 + Number(r.ms))).toEqual([Date.parse('2026-12-01T10:00:00.000Z'), Date.parse('2026-12-01T10:00:00.998Z')]);
    expect(await trimTableSince(db.client, caps, OPPORTUNITY_EVENTS.name, point)).toEqual({ deleted: 0, rows: 2 });
    expect(await countRows(db.client, OPPORTUNITY_EVENTS.name)).toBe(2);
  });
});
