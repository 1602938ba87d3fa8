import { LEGACY_CAPABILITIES, capabilitiesFromProbe } from '../capabilities/analytics-capabilities';
import { ANALYTICS_TABLES, OPPORTUNITY_EVENTS } from './analytics-tables';
import { ADDED_COLUMNS, createTableDdl, tableColumns } from './analytics-tables.ddl';

const modern = capabilitiesFromProbe({
  version: '25.8.2.29',
  typeFamilies: ['DateTime64', 'LowCardinality'],
  databaseEngine: 'Atomic',
  mergeTreeSettings: ['min_age_to_force_merge_seconds'],
});

describe('analytics table DDL', () => {
  it('reads capabilities from the probe answers', () => {
    expect(modern).toMatchObject({ dateTime64: true, lowCardinality: true, skipIndexes: true, exchangeTables: true });
    const old = capabilitiesFromProbe({ version: '18.16.1', typeFamilies: ['LowCardinality'], databaseEngine: 'Ordinary', mergeTreeSettings: [] });
    expect(old).toEqual({ ...LEGACY_CAPABILITIES, version: '18.16.1' });
  });

  it('keeps one row per entity version: ReplacingMergeTree keyed on time, id and source position', () => {
    for (const table of ANALYTICS_TABLES) {
      const ddl = createTableDdl(table, LEGACY_CAPABILITIES);
      expect(ddl).toContain('ENGINE = ReplacingMergeTree');
      expect(ddl).toMatch(new RegExp(`ORDER BY \\(ifNull\\(${table.timeColumn}, toDateTime\\(0, 'UTC'\\)\\), .*${table.idColumn}, source_position\\)`));
      expect(ddl).toContain(`PARTITION BY toYYYYMM(ifNull(${table.timeColumn}, toDateTime(0, 'UTC')))`);
    }
  });

  it('uses the 18.16 form locally: no skip indexes, DateTime plus milliseconds, plain String', () => {
    const ddl = createTableDdl(OPPORTUNITY_EVENTS, LEGACY_CAPABILITIES);
    expect(ddl).not.toContain('INDEX');
    expect(ddl).not.toContain('LowCardinality');
    expect(ddl).toContain("`created_at` Nullable(DateTime('UTC'))");
    expect(ddl).toContain('`created_at_ms` UInt16');
    expect(ddl).toContain('SETTINGS index_granularity = 8192\n'.trim());
  });

  it('uses skip indexes, DateTime64, LowCardinality and modern settings where supported', () => {
    const ddl = createTableDdl(OPPORTUNITY_EVENTS, modern);
    expect(ddl).toContain('INDEX idx_opportunity_id opportunity_id TYPE bloom_filter GRANULARITY 1');
    expect(ddl).toContain('INDEX idx_event_type event_type TYPE set(100) GRANULARITY 1');
    expect(ddl).toContain('INDEX idx_created_at created_at TYPE minmax GRANULARITY 1');
    expect(ddl).toContain("`created_at` Nullable(DateTime64(3, 'UTC'))");
    expect(ddl).toContain('`agency` LowCardinality(String)');
    expect(ddl).toContain('min_age_to_force_merge_seconds = 3600');
    expect(tableColumns(OPPORTUNITY_EVENTS, modern).some((c) => c.name.endsWith('_ms'))).toBe(false);
  });
});

describe('lossless columns (issue 12)', () => {
  it('gives every table causation_id after correlation_id, then raw_values and lossy_fields, on both servers', () => {
    for (const caps of [LEGACY_CAPABILITIES, modern]) {
      for (const table of ANALYTICS_TABLES) {
        const names = tableColumns(table, caps).map((c) => `${c.name} ${c.type}`);
        const at = names.indexOf('correlation_id UUID');
        expect(names.slice(at, at + 4)).toEqual(['correlation_id UUID', 'causation_id Nullable(UUID)', 'raw_values String', 'lossy_fields Array(String)']);
        expect(createTableDdl(table, caps)).toContain("`raw_values` String DEFAULT '{}'");
      }
    }
  });

  it('adds the columns to an older table in the place a new table has them', () => {
    const names = tableColumns(OPPORTUNITY_EVENTS, LEGACY_CAPABILITIES).map((c) => c.name);
    for (const { name, after } of ADDED_COLUMNS) expect(names.indexOf(name)).toBe(names.indexOf(after) + 1);
  });
});
