import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Inserts TabSeparated lines in one INSERT: the server parses TSV with no per-value JSON work, and
 * values were escaped and range-checked when the lines were built, so none is coerced on the way.
 */
export async function insertTsv(client: ClickHouseClient, table: string, columns: string[], lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await client.insert({
    table,
    columns: columns as [string, ...string[]],
    format: 'TabSeparated',
    values: Readable.from([Buffer.from(lines.join(''), 'utf8')], { objectMode: false }),
    // Never let the server skip or default a bad value: the whole insert fails instead.
    clickhouse_settings: { input_format_allow_errors_num: '0', input_format_allow_errors_ratio: 0 },
  });
}
