import type { ChangeOperation, EventEnvelope, MigratedEntity } from '@mch/contracts';
import { capabilitiesFromProbe, PROBE_QUERIES, type AnalyticsCapabilities } from './capabilities/analytics-capabilities';
import { ANALYTICS_TABLES, analyticsTableFor, OPPORTUNITY_EVENTS, PROPOSAL_EVENTS } from './schema/analytics-tables';
import { addColumnStatements, createTableDdl } from './schema/analytics-tables.ddl';
import { insertColumnNames, toAnalyticsRow } from './rows/analytics-row.converter';
import { partitionGroups } from './insert/partition-groups';
import { decimalAtScale, lossyRowsSql, totalsSql } from './queries/latest-state.sql';
import { ANALYTICS_QUERIES } from './queries/analytics.queries';
import { restoreStatements, snapshotStatements } from './snapshot/table-snapshot';
import { runChdb, type ChdbResult, type ChdbStep } from '../testing/chdb-runner';
import { entityEvent, opportunityData, testId } from '../testing/event-factory';
import { EDGE_CASES, EDGE_CAUSATION_ID, edgeEvent, edgeId, edgeRowSql, expectedTyped } from '../testing/edge-values';

const SETUP: ChdbStep[] = [{ sql: 'CREATE DATABASE analytics ENGINE = Atomic' }, { sql: 'USE analytics' }];

function rowsOf(result: ChdbResult, index: number): Record<string, unknown>[] {
  const step = result.results[index];
  if (!step) throw new Error(`chdb stopped before step ${index}: ${JSON.stringify(result.results.at(-1))}`);
  if (!step.ok) throw new Error(`chdb step ${index} failed: ${step.error}`);
  return step.rows;
}

function insertStep(caps: AnalyticsCapabilities, entity: MigratedEntity, events: EventEnvelope[]): ChdbStep {
  const table = analyticsTableFor(entity);
  if (!table) throw new Error(`no table for ${entity}`);
  const lines = events.map((e) => {
    const row = toAnalyticsRow(table, { envelope: e, data: e.data }, caps);
    if (!row.ok) throw new Error(row.error.message);
    return row.line;
  });
  return { sql: `INSERT INTO ${table.name} (${insertColumnNames(table, caps).join(', ')}) FORMAT TabSeparated\n${lines.join('')}` };
}

const opp = (label: string, seq: number, op: ChangeOperation, patch: Record<string, unknown> = {}) =>
  entityEvent('opportunity', testId(label), seq, op, op === 'delete' ? null : opportunityData(testId(label), patch));
const proposal = (label: string, seq: number, status: string, price: string) =>
  entityEvent('proposal', testId(label), seq, 'snapshot', {
    id: testId(label),
    opportunityId: testId('o'),
    companyId: testId('c'),
    createdBy: testId('u'),
    title: label,
    status,
    totalProposedPrice: price,
    winProbability: '0.50',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  });

describe('modern DDL and exact queries on a current ClickHouse engine (chDB)', () => {
  let caps: AnalyticsCapabilities;
  let probeVersion: string;

  beforeAll(() => {
    const probe = runChdb([...SETUP, ...Object.values(PROBE_QUERIES).map((sql) => ({ sql }))]);
    probeVersion = probe.version;
    const [version, types, engine, settings, insertSettings] = [2, 3, 4, 5, 6].map((i) => rowsOf(probe, i));
    caps = capabilitiesFromProbe({
      version: String(version[0].version),
      typeFamilies: types.map((r) => String(r.name)),
      databaseEngine: String(engine[0]?.engine ?? ''),
      mergeTreeSettings: settings.map((r) => String(r.name)),
      insertSettings: Object.fromEntries(insertSettings.map((r) => [String(r.name), String(r.value)])),
    });
  }, 600_000);

  it('detects a current server with DateTime64, LowCardinality, skip indexes and EXCHANGE', () => {
    expect(Number(probeVersion.split('.')[0])).toBeGreaterThanOrEqual(24);
    expect(caps).toMatchObject({ dateTime64: true, lowCardinality: true, skipIndexes: true, exchangeTables: true });
    expect(caps.mergeTreeSettings).toContain('min_age_to_force_merge_seconds');
    expect(caps.maxPartitionsPerInsert).toBe(100);
  });

  it('writes a batch spanning 150 months in inserts the server accepts, where one insert is refused', () => {
    const events = Array.from({ length: 150 }, (_, i) => {
      const month = `${2012 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
      return opp(`month-${i}`, 1, 'snapshot', { createdAt: `${month}-15T12:00:00.000Z`, postedDate: `${month}-01T00:00:00.000Z` });
    });
    const rows = events.map((e) => {
      const row = toAnalyticsRow(OPPORTUNITY_EVENTS, { envelope: e, data: e.data }, caps);
      if (!row.ok) throw new Error(row.error.message);
      return row;
    });
    const insert = (lines: string[]) => ({
      sql: `INSERT INTO ${OPPORTUNITY_EVENTS.name} (${insertColumnNames(OPPORTUNITY_EVENTS, caps).join(', ')}) FORMAT TabSeparated\n${lines.join('')}`,
      mayFail: true,
    });
    const groups = partitionGroups(rows, caps.maxPartitionsPerInsert);
    expect(groups.map((g) => g.length)).toEqual([100, 50]);
    const result = runChdb([
      ...SETUP,
      { sql: createTableDdl(OPPORTUNITY_EVENTS, caps) },
      insert(rows.map((r) => r.line)),
      ...groups.map(insert),
      { sql: `SELECT toString(count()) AS n, toString(uniqExact(_partition_id)) AS partitions FROM ${OPPORTUNITY_EVENTS.name}` },
    ]);
    const whole = result.results[3];
    expect(!whole.ok && whole.error).toContain('Too many partitions for single INSERT block');
    expect(result.results.slice(4, 6).map((r) => r.ok)).toEqual([true, true]);
    expect(rowsOf(result, 6)).toEqual([{ n: '150', partitions: '150' }]);
  });

  it('creates every table with its skip indexes and settings, and answers the exact queries', () => {
    const events = [
      opp('a', 10, 'snapshot', { awardAmount: '100.00', agency: 'VA' }),
      opp('a', 20, 'update', { awardAmount: null, agency: 'VA' }),
      opp('a', 10, 'snapshot', { awardAmount: '100.00', agency: 'VA' }),
      opp('b', 10, 'snapshot', { awardAmount: '500.55', agency: 'DLA' }),
      opp('b', 30, 'delete'),
      opp('b', 10, 'snapshot', { awardAmount: '500.55', agency: 'DLA' }),
      opp('c', 20, 'update', { awardAmount: '9999999999999.99', agency: 'DLA' }),
      opp('c', 10, 'snapshot', { awardAmount: '1.00', agency: 'DLA' }),
      opp('c', 20, 'update', { awardAmount: '9999999999999.99', agency: 'DLA' }),
      // Before 1970 and with milliseconds: DateTime64 holds both, exactly.
      opp('d', 10, 'snapshot', { awardAmount: '0.01', agency: 'VA', postedDate: '1965-07-01T12:00:00.250Z', createdAt: '1965-07-01T12:00:00.250Z' }),
    ];
    const steps: ChdbStep[] = [
      ...SETUP,
      ...ANALYTICS_TABLES.map((t) => ({ sql: createTableDdl(t, caps) })),
      { sql: `SELECT table, name, type_full FROM system.data_skipping_indices WHERE database = 'analytics' ORDER BY table, name` },
      { sql: `SELECT name, engine_full FROM system.tables WHERE database = 'analytics' ORDER BY name` },
      insertStep(caps, 'opportunity', events),
      insertStep(caps, 'proposal', [proposal('p1', 1, 'submitted', '10.00'), proposal('p2', 1, 'awarded', '20.50'), proposal('p2', 1, 'awarded', '20.50')]),
      { sql: totalsSql(OPPORTUNITY_EVENTS, ['award_amount']) },
      { sql: `SELECT toString(count()) AS n FROM opportunity_events FINAL` },
      { sql: ANALYTICS_QUERIES.awardsByAgency },
      { sql: ANALYTICS_QUERIES.proposalsByStatus },
      { sql: ANALYTICS_QUERIES.documentsByOcrStatus },
      { sql: ANALYTICS_QUERIES.usageByFeature },
      { sql: `SELECT toString(posted_date) AS posted, toYYYYMM(ifNull(created_at, toDateTime64(0, 3, 'UTC'))) AS partition FROM opportunity_events WHERE opportunity_id = '${testId('d')}'` },
    ];
    const result = runChdb(steps);
    const at = (offset: number) => rowsOf(result, SETUP.length + ANALYTICS_TABLES.length + offset);

    const indexes = at(0).map((r) => `${r.table}.${r.name} ${r.type_full}`);
    expect(indexes).toEqual(
      expect.arrayContaining([
        'opportunity_events.idx_opportunity_id bloom_filter',
        'opportunity_events.idx_event_type set(100)',
        'opportunity_events.idx_created_at minmax',
        'api_usage_events.idx_feature set(100)',
        'proposal_events.idx_status set(16)',
        'contract_document_events.idx_ocr_status set(8)',
      ]),
    );
    expect(indexes).toHaveLength(ANALYTICS_TABLES.reduce((n, t) => n + t.skipIndexes.length, 0));
    for (const table of at(1)) {
      expect(table.engine_full).toMatch(/^ReplacingMergeTree PARTITION BY toYYYYMM\(ifNull\(/);
      expect(table.engine_full).toContain('min_age_to_force_merge_seconds = 3600');
    }
    const [totals] = at(4);
    expect({ count: totals.count, award: decimalAtScale(totals.award_amount as string, 2) }).toEqual({ count: '3', award: '10000000000000.00' });
    expect(at(5)).toEqual([{ n: '7' }]);
    expect(at(6).map((r) => ({ ...r, total: decimalAtScale(r.total as string, 2) }))).toEqual([
      { agency: 'DLA', awards: '1', total: '9999999999999.99' },
      { agency: 'VA', awards: '2', total: '0.01' },
    ]);
    expect(at(7).map((r) => ({ ...r, total: decimalAtScale(r.total as string, 2) }))).toEqual([
      { status: 'awarded', proposals: '1', total: '20.50' },
      { status: 'submitted', proposals: '1', total: '10.00' },
    ]);
    expect(at(8)).toEqual([]);
    expect(at(9)).toEqual([]);
    expect(at(10)).toEqual([{ posted: '1965-07-01 12:00:00.250', partition: 196507 }]);
  });

  it('snapshots and restores a table atomically with EXCHANGE TABLES', () => {
    const restore = restoreStatements(PROPOSAL_EVENTS.name, 'before_run', caps, 'test1');
    expect(restore.swap).toBe('EXCHANGE TABLES `proposal_events` AND `proposal_events__restore__test1`');
    const dump = { sql: `SELECT * FROM proposal_events ORDER BY event_id, source_position` };
    const result = runChdb([
      ...SETUP,
      { sql: createTableDdl(PROPOSAL_EVENTS, caps) },
      insertStep(caps, 'proposal', [proposal('p1', 1, 'draft', '1.00'), proposal('p2', 1, 'draft', '2.00')]),
      dump,
      ...snapshotStatements(PROPOSAL_EVENTS.name, 'before_run').map((sql) => ({ sql })),
      insertStep(caps, 'proposal', [proposal('p3', 1, 'draft', '3.00')]),
      { sql: 'ALTER TABLE proposal_events DROP PARTITION 202501' },
      insertStep(caps, 'proposal', [proposal('p4', 1, 'draft', '4.00')]),
      dump,
      ...restore.prepare.map((sql) => ({ sql })),
      { sql: restore.swap },
      ...restore.cleanup.map((sql) => ({ sql })),
      dump,
      { sql: `SELECT name FROM system.tables WHERE database = 'analytics' ORDER BY name` },
    ]);
    const last = SETUP.length + 3 + 2 + 3;
    const before = rowsOf(result, SETUP.length + 2);
    expect(before).toHaveLength(2);
    expect(rowsOf(result, last)).not.toEqual(before);
    expect(rowsOf(result, last + 5)).toEqual(before);
    expect(rowsOf(result, last + 6)).toEqual([{ name: 'proposal_events' }, { name: 'proposal_events__snapshot__before_run' }]);
  });

  it('stores every edge-value row: typed column as documented, original text queryable with both JSON functions', () => {
    const events = EDGE_CASES.map(edgeEvent);
    const result = runChdb([
      ...SETUP,
      { sql: createTableDdl(OPPORTUNITY_EVENTS, caps) },
      insertStep(caps, 'opportunity', events),
      { sql: `SELECT toString(uniqExact(opportunity_id)) AS n FROM opportunity_events` },
      ...EDGE_CASES.map((c) => ({ sql: edgeRowSql(c, caps.dateTime64).replace('SELECT ', `SELECT JSONExtractString(raw_values, '${c.column}') AS extracted, `) })),
      { sql: lossyRowsSql(OPPORTUNITY_EVENTS) },
      { sql: totalsSql(OPPORTUNITY_EVENTS, ['award_amount']) },
    ]);
    const base = SETUP.length + 2;
    expect(rowsOf(result, base)).toEqual([{ n: String(EDGE_CASES.length) }]);
    EDGE_CASES.forEach((c, i) => {
      const [row] = rowsOf(result, base + 1 + i) as { typed: string | null; lossy_fields: string[]; original: string; extracted: string; raw_values: string; causation: string }[];
      expect({ label: c.label, typed: row.typed, flagged: row.lossy_fields, causation: row.causation }).toEqual({
        label: c.label,
        typed: expectedTyped(c, true),
        flagged: c.current.flagged ? [c.column] : [],
        causation: EDGE_CAUSATION_ID,
      });
      if (c.current.flagged) {
        expect(JSON.parse(row.raw_values)).toEqual({ [c.column]: c.value });
        if (c.label !== 'surrogate') expect([row.original, row.extracted]).toEqual([c.value, c.value]);
      } else {
        expect(row.raw_values).toBe('{}');
      }
    });
    const flagged = rowsOf(result, base + 1 + EDGE_CASES.length).map((r) => r.id);
    expect(flagged.sort()).toEqual(EDGE_CASES.filter((c) => c.current.flagged).map(edgeId).sort());
    const nullAwards = EDGE_CASES.filter((c) => c.column === 'award_amount').length;
    const [totals] = rowsOf(result, base + 2 + EDGE_CASES.length);
    expect(decimalAtScale(totals.award_amount as string, 2)).toBe(`${(EDGE_CASES.length - nullAwards) * 100}.00`);
  });

  it('adds the new columns to a table made before them, in the shape of a new table', () => {
    const old = { ...OPPORTUNITY_EVENTS, name: 'opportunity_events_v1' };
    const oldDdl = createTableDdl(old, caps)
      .split('\n')
      .filter((line) => !/`(causation_id|raw_values|lossy_fields)`/.test(line))
      .join('\n');
    const present = new Set(['correlation_id']);
    const shape = (table: string) => ({ sql: `SELECT name, type FROM system.columns WHERE database = 'analytics' AND table = '${table}' ORDER BY position` });
    const result = runChdb([
      ...SETUP,
      { sql: createTableDdl(OPPORTUNITY_EVENTS, caps) },
      { sql: oldDdl },
      {
        sql: `INSERT INTO opportunity_events_v1 (event_id, event_type, action, opportunity_id, notice_id, title, agency, status, posted_date, response_deadline, updated_at, event_timestamp, source_position, correlation_id)
              VALUES ('${testId('v1')}', 'OpportunitySnapshot', 'snapshot', '${testId('v1')}', 'N-1', 'old row', 'VA', 'active', now(), now(), now(), now(), 'lsn:0000000000000001', '${testId('v1')}')`,
      },
      ...addColumnStatements(old, caps, present).map((sql) => ({ sql })),
      shape('opportunity_events'),
      shape('opportunity_events_v1'),
      { sql: `SELECT title, causation_id, raw_values, lossy_fields FROM opportunity_events_v1` },
    ]);
    const at = SETUP.length + 3 + 3;
    expect(rowsOf(result, at + 1)).toEqual(rowsOf(result, at));
    expect(rowsOf(result, at + 2)).toEqual([{ title: 'old row', causation_id: null, raw_values: '{}', lossy_fields: [] }]);
  });
});
