import type { ClickHouseClient } from '@clickhouse/client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { ANALYTICS_TABLES, type AnalyticsTable } from './analytics-tables';
import { epochLiteral, physicalColumns } from './column.types';

export const quoteIdentifier = (name: string) => `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;

/** Set by the server on insert: how far ClickHouse lags the source is ingested_at - event_timestamp. */
const INGESTED_AT = { name: 'ingested_at', type: `DateTime('UTC')`, ddl: `DateTime('UTC') DEFAULT now()` };

/** Every stored column of the table on this server, in DDL order, with its ClickHouse type. */
export function tableColumns(table: AnalyticsTable, caps: AnalyticsCapabilities): { name: string; type: string }[] {
  return [...table.columns.flatMap((c) => physicalColumns(c, caps)), { name: INGESTED_AT.name, type: INGESTED_AT.type }];
}

/** The time key: NULL (a tombstone's) sorts and partitions as the epoch, as keys cannot be NULL on 18.16. */
export function timeKey(table: AnalyticsTable, caps: AnalyticsCapabilities): string {
  return `ifNull(${table.timeColumn}, ${epochLiteral(caps)})`;
}

export function createTableDdl(table: AnalyticsTable, caps: AnalyticsCapabilities, name: string = table.name): string {
  const columns = tableColumns(table, caps).map((c) =>
    c.name === INGESTED_AT.name ? `  ${c.name} ${INGESTED_AT.ddl}` : `  ${quoteIdentifier(c.name)} ${c.type}`,
  );
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

/**
 * Creates the tables that are missing; a table that exists is left alone when its columns are the
 * expected ones, and reported (PRECONDITION_FAILED naming table and column) when they are not, rather
 * than written with rows it would misread.
 */
export async function ensureAnalyticsTables(
  client: ClickHouseClient,
  caps: AnalyticsCapabilities,
  tables: readonly AnalyticsTable[] = ANALYTICS_TABLES,
): Promise<{ created: string[]; existing: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  for (const table of tables) {
    const present = await existingColumns(client, table.name);
    if (present.length === 0) {
      await client.command({ query: createTableDdl(table, caps) });
      created.push(table.name);
      continue;
    }
    const expected = tableColumns(table, caps);
    const types = new Map(present.map((c) => [c.name, c.type]));
    const mismatch =
      expected.find((c) => types.get(c.name) !== c.type) ?? present.find((c) => !expected.some((e) => e.name === c.name));
    if (mismatch) {
      const found = present.find((c) => c.name === mismatch.name);
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `ClickHouse table ${table.name} exists with a different shape: column ${mismatch.name} is ${found ? found.type : 'missing'}, expected ${expected.find((c) => c.name === mismatch.name)?.type ?? 'no such column'}`,
        { entity: 'clickhouse_table', id: table.name, field: mismatch.name },
      );
    }
    existing.push(table.name);
  }
  return { created, existing };
}
