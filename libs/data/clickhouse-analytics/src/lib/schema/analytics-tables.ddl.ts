import type { ClickHouseClient } from '@clickhouse/client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { ANALYTICS_TABLES, type AnalyticsTable } from './analytics-tables';
import { epochLiteral, physicalColumns } from './column.types';
import { LOSSY_COLUMNS } from '../rows/lossy-values';

export const quoteIdentifier = (name: string) => `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;

/** Set by the server on insert: how far ClickHouse lags the source is ingested_at - event_timestamp. */
const INGESTED_AT = { name: 'ingested_at', type: `DateTime('UTC')`, ddl: `DateTime('UTC') DEFAULT now()` };

/** Every stored column of the table on this server, in DDL order, with its ClickHouse type. */
export function tableColumns(table: AnalyticsTable, caps: AnalyticsCapabilities): { name: string; type: string }[] {
  return [
    ...table.columns.flatMap((c) => physicalColumns(c, caps)),
    ...LOSSY_COLUMNS.map(({ name, type }) => ({ name, type })),
    { name: INGESTED_AT.name, type: INGESTED_AT.type },
  ];
}

/**
 * Columns added after tables were first deployed (issue 12): an existing table without them gets
 * them by ALTER TABLE ... ADD COLUMN, in the place a new table has them, so both have one shape.
 */
export const ADDED_COLUMNS: readonly { name: string; after: string }[] = [
  { name: 'causation_id', after: 'correlation_id' },
  { name: LOSSY_COLUMNS[0].name, after: 'causation_id' },
  { name: LOSSY_COLUMNS[1].name, after: LOSSY_COLUMNS[0].name },
];

/** The DDL type of a column (with its DEFAULT where it has one). */
function columnDdl(name: string, type: string): string {
  if (name === INGESTED_AT.name) return INGESTED_AT.ddl;
  return LOSSY_COLUMNS.find((c) => c.name === name)?.ddl ?? type;
}

/** The time key: NULL (a tombstone's) sorts and partitions as the epoch, as keys cannot be NULL on 18.16. */
export function timeKey(table: AnalyticsTable, caps: AnalyticsCapabilities): string {
  return `ifNull(${table.timeColumn}, ${epochLiteral(caps)})`;
}

export function createTableDdl(table: AnalyticsTable, caps: AnalyticsCapabilities, name: string = table.name): string {
  const columns = tableColumns(table, caps).map((c) => `  ${quoteIdentifier(c.name)} ${columnDdl(c.name, c.type)}`);
  const indexes = caps.skipIndexes ? table.skipIndexes.map((i) => `  INDEX ${i.name} ${i.expression} TYPE ${i.type}`) : [];
  const settings = ['index_granularity = 8192'];
  if (caps.mergeTreeSettings.includes('min_age_to_force_merge_seconds')) {
    // Replayed versions collapse on disk within the hour instead of whenever a merge happens by.
    settings.push('min_age_to_force_merge_seconds = 3600');
  }
  if (caps.mergeTreeSettings.includes('min_age_to_force_merge_on_partition_only')) settings.push('min_age_to_force_merge_on_partition_only = 1');
  const key = timeKey(table, caps);
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(name)} (`,
    [...columns, ...indexes].join(',\n'),
    `) ENGINE = ReplacingMergeTree`,
    `PARTITION BY toYYYYMM(${key})`,
    `ORDER BY (${[key, ...table.keyColumns, 'source_position'].join(', ')})`,
    `SETTINGS ${settings.join(', ')}`,
  ].join('\n');
}

async function existingColumns(client: ClickHouseClient, name: string): Promise<{ name: string; type: string }[]> {
  const result = await client.query({
    query: `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '${name.replace(/'/g, "\\'")}'`,
    format: 'JSONEachRow',
  });
  return result.json<{ name: string; type: string }>();
}

type Column = { name: string; type: string };

/** The first column whose type differs, is missing, or is not expected. */
function shapeMismatch(expected: Column[], present: Column[]): Column | undefined {
  const types = new Map(present.map((c) => [c.name, c.type]));
  return expected.find((c) => types.get(c.name) !== c.type) ?? present.find((c) => !expected.some((e) => e.name === c.name));
}

/** The table is the expected one except that some ADDED_COLUMNS are not there yet. */
function onlyAddedColumnsMissing(expected: Column[], present: Column[]): boolean {
  const added = new Set(ADDED_COLUMNS.map((c) => c.name));
  return shapeMismatch(expected.filter((c) => !(added.has(c.name) && !present.some((p) => p.name === c.name))), present) === undefined;
}

/** ALTER TABLE statements adding the ADDED_COLUMNS the table lacks (`present`: the names it has), in order. */
export function addColumnStatements(table: AnalyticsTable, caps: AnalyticsCapabilities, present: ReadonlySet<string>, name: string = table.name): string[] {
  const types = new Map(tableColumns(table, caps).map((c) => [c.name, c.type]));
  return ADDED_COLUMNS.filter((c) => !present.has(c.name)).map(
    (c) => `ALTER TABLE ${quoteIdentifier(name)} ADD COLUMN ${quoteIdentifier(c.name)} ${columnDdl(c.name, types.get(c.name) as string)} AFTER ${quoteIdentifier(c.after)}`,
  );
}

/**
 * Adds the columns of ADDED_COLUMNS a table lacks. 18.16 has no ADD COLUMN IF NOT EXISTS, so the
 * missing ones are read first; a concurrent ensure adding the same column first is not an error.
 */
async function addMissingColumns(client: ClickHouseClient, table: AnalyticsTable, caps: AnalyticsCapabilities, present: Set<string>): Promise<void> {
  for (const query of addColumnStatements(table, caps, present)) {
    try {
      await client.command({ query });
    } catch (error) {
      const now = new Set((await existingColumns(client, table.name)).map((c) => c.name));
      if (!addColumnStatements(table, caps, now).every((q) => q !== query)) throw error;
    }
  }
}

/**
 * Creates the tables that are missing; a table that exists is left alone when its columns are the
 * expected ones, gets the columns added since it was created (`upgraded`), and is reported
 * (PRECONDITION_FAILED naming table and column) when its columns differ otherwise, rather than
 * written with rows it would misread.
 */
export async function ensureAnalyticsTables(
  client: ClickHouseClient,
  caps: AnalyticsCapabilities,
  tables: readonly AnalyticsTable[] = ANALYTICS_TABLES,
): Promise<{ created: string[]; existing: string[]; upgraded: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  const upgraded: string[] = [];
  for (const table of tables) {
    let present = await existingColumns(client, table.name);
    if (present.length === 0) {
      await client.command({ query: createTableDdl(table, caps) });
      created.push(table.name);
      continue;
    }
    const expected = tableColumns(table, caps);
    let wrong = shapeMismatch(expected, present);
    if (wrong && onlyAddedColumnsMissing(expected, present)) {
      await addMissingColumns(client, table, caps, new Set(present.map((c) => c.name)));
      upgraded.push(table.name);
      present = await existingColumns(client, table.name);
      wrong = shapeMismatch(expected, present);
    }
    if (wrong) {
      const name = wrong.name;
      const found = present.find((c) => c.name === name);
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `ClickHouse table ${table.name} exists with a different shape: column ${name} is ${found ? found.type : 'missing'}, expected ${expected.find((c) => c.name === name)?.type ?? 'no such column'}`,
        { entity: 'clickhouse_table', id: table.name, field: name },
      );
    }
    if (!upgraded.includes(table.name)) existing.push(table.name);
  }
  return { created, existing, upgraded };
}
