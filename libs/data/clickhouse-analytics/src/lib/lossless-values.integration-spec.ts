import type { KafkaMessage } from 'kafkajs';
import { ENTITY_TOPICS, type EventEnvelope } from '@mch/contracts';
import type { ConsumedRecord } from '@mch/data-consumer-loop';
import { isDomainException } from '@mch/util-errors';
import { detectAnalyticsCapabilities, type AnalyticsCapabilities } from './capabilities/analytics-capabilities';
import { analyticsRowDecoder, type AnalyticsRowRecord } from './decode/analytics-row.decoder';
import { ANALYTICS_TABLES, OPPORTUNITY_EVENTS } from './schema/analytics-tables';
import { createTableDdl, ensureAnalyticsTables } from './schema/analytics-tables.ddl';
import { ClickHouseRowSink } from './sink/clickhouse-analytics.sink';
import { entityTotals, lossyRows } from './queries/analytics.queries';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../testing/clickhouse-test-database';
import { EDGE_CASES, EDGE_CAUSATION_ID, edgeEvent, edgeId, edgeRowSql, expectedTyped } from '../testing/edge-values';
import { entityEvent, opportunityData, testId } from '../testing/event-factory';

const TOPIC = ENTITY_TOPICS.opportunity.name;

function message(event: EventEnvelope): KafkaMessage {
  return { key: Buffer.from(event.aggregateId), value: Buffer.from(JSON.stringify(event)), offset: '0', timestamp: '0', attributes: 0, headers: {} };
}

describe('values a column cannot hold, through the populator path (real 18.16 server)', () => {
  let db: ClickHouseTestDatabase;
  let caps: AnalyticsCapabilities;
  const rows = async <T = Record<string, unknown>>(query: string) => (await db.client.query({ query, format: 'JSONEachRow' })).json<T>();

  beforeAll(async () => {
    db = await createClickHouseTestDatabase('ch_lossless');
    caps = await detectAnalyticsCapabilities(db.client);
    await ensureAnalyticsTables(db.client, caps);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stores every edge-value row: typed column as documented, original text queryable, causation id kept', async () => {
    // The populator's decoder and sink, as the consumer loop runs them.
    const decode = analyticsRowDecoder(new Map([[TOPIC, OPPORTUNITY_EVENTS]]), caps);
    const records: ConsumedRecord<AnalyticsRowRecord>[] = EDGE_CASES.map((c, offset) => {
      const decoded = decode(message(edgeEvent(c)), TOPIC);
      return { topic: TOPIC, partition: 0, offset: String(offset), key: decoded.entityId, value: decoded.value, headers: {} };
    });
    await new ClickHouseRowSink(db.client, caps).write(records);

    const [count] = await rows<{ n: string }>(`SELECT toString(uniqExact(opportunity_id)) AS n FROM opportunity_events`);
    expect(Number(count.n)).toBe(EDGE_CASES.length);
    for (const c of EDGE_CASES) {
      const [row] = await rows<{ typed: string | null; lossy_fields: string[]; original: string; raw_values: string; causation: string }>(edgeRowSql(c, caps.dateTime64));
      const expected = caps.dateTime64 ? c.current : c.legacy;
      expect({ label: c.label, typed: row.typed, flagged: row.lossy_fields, causation: row.causation }).toEqual({
        label: c.label,
        typed: expectedTyped(c, caps.dateTime64),
        flagged: expected.flagged ? [c.column] : [],
        causation: EDGE_CAUSATION_ID,
      });
      if (expected.flagged) {
        expect(JSON.parse(row.raw_values)).toEqual({ [c.column]: c.value });
        // visitParamExtractString cannot give back an unpaired surrogate; every other original it reads exactly.
        if (c.label !== 'surrogate') expect(row.original).toBe(c.value);
      } else {
        expect(row.raw_values).toBe('{}');
      }
    }
  }, 60_000);

  it('lists the flagged rows, and totals hold the amounts the column can hold', async () => {
    const flagged = await lossyRows(db.client, OPPORTUNITY_EVENTS);
    const expected = EDGE_CASES.filter((c) => (caps.dateTime64 ? c.current : c.legacy).flagged);
    expect(flagged.map((r) => r.id).sort()).toEqual(expected.map(edgeId).sort());
    const nan = flagged.find((r) => r.id === edgeId(EDGE_CASES.find((c) => c.label === 'nan') ?? EDGE_CASES[0]));
    expect(nan).toEqual({ id: expect.any(String), lossyFields: ['award_amount'], rawValues: { award_amount: 'NaN' } });
    // Each edge row but the four with a NULL award amount holds the factory's 100.00.
    const nullAwards = EDGE_CASES.filter((c) => c.column === 'award_amount').length;
    expect(await entityTotals(db.client, OPPORTUNITY_EVENTS)).toEqual({
      count: EDGE_CASES.length,
      sums: { award_amount: `${(EDGE_CASES.length - nullAwards) * 100}.00`, estimated_value_max: null },
    });
  });

  it('dead-letters only schema violations, naming entity, id, field and reason', () => {
    const decode = analyticsRowDecoder(new Map([[TOPIC, OPPORTUNITY_EVENTS]]), caps);
    const bad = (label: string, patch: Record<string, unknown>) => {
      const id = testId(`bad-${label}`);
      try {
        decode(message(entityEvent('opportunity', id, 1, 'snapshot', opportunityData(id, patch))), TOPIC);
      } catch (error) {
        return isDomainException(error) ? { code: error.code, message: error.message } : error;
      }
      return 'stored';
    };
    expect(bad('date', { postedDate: '2025-02-30T00:00:00Z' })).toEqual({ code: 'VALIDATION_FAILED', message: `opportunity ${testId('bad-date')}: field posted_date is not a valid calendar time: 2025-02-30T00:00:00Z` });
    expect(bad('amount', { awardAmount: 'lots' })).toEqual({ code: 'VALIDATION_FAILED', message: `opportunity ${testId('bad-amount')}: field award_amount is not a decimal number: "lots"` });
    expect(bad('null', { title: null })).toEqual({ code: 'VALIDATION_FAILED', message: `opportunity ${testId('bad-null')}: field title is null, but the column is not nullable` });
  });

  it('adds the new columns to a table made before them, idempotently, in the shape of a new table', async () => {
    const old = { ...OPPORTUNITY_EVENTS, name: 'opportunity_events_v1' };
    const oldDdl = createTableDdl(old, caps)
      .split('\n')
      .filter((line) => !/`(causation_id|raw_values|lossy_fields)`/.test(line))
      .join('\n');
    await db.client.command({ query: oldDdl });
    const id = testId('before-upgrade');
    await db.client.command({
      query: `INSERT INTO opportunity_events_v1 (event_id, event_type, action, opportunity_id, notice_id, title, agency, status, posted_date, response_deadline, updated_at, event_timestamp, source_position, correlation_id)
              VALUES ('${id}', 'OpportunitySnapshot', 'snapshot', '${id}', 'N-1', 'old row', 'VA', 'active', now(), now(), now(), now(), 'lsn:0000000000000001', '${id}')`,
    });
    expect(await ensureAnalyticsTables(db.client, caps, [old])).toEqual({ created: [], existing: [], upgraded: ['opportunity_events_v1'] });
    expect(await ensureAnalyticsTables(db.client, caps, [old])).toEqual({ created: [], existing: ['opportunity_events_v1'], upgraded: [] });
    const shape = (table: string) => rows(`SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '${table}'`); // 18.16 lists them in table order (it has no position column)
    expect(await shape('opportunity_events_v1')).toEqual(await shape('opportunity_events'));
    expect(await rows(`SELECT title, causation_id, raw_values, lossy_fields FROM opportunity_events_v1`)).toEqual([
      { title: 'old row', causation_id: null, raw_values: '{}', lossy_fields: [] },
    ]);
  });

  it('adds causation_id to every table', async () => {
    const tables = await rows<{ table: string }>(
      `SELECT table FROM system.columns WHERE database = currentDatabase() AND name = 'causation_id' AND type = 'Nullable(UUID)' AND table NOT LIKE '%_v1' ORDER BY table`,
    );
    expect(tables.map((t) => t.table)).toEqual(ANALYTICS_TABLES.map((t) => t.name).sort());
  });
});
