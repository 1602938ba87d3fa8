import type { AnalyticsTable } from '../schema/analytics-tables';
import { quoteIdentifier } from '../schema/analytics-tables.ddl';
import { LOSSY_COLUMNS } from '../rows/lossy-values';

/**
 * The current state of every live entity of the table, as a subquery with `id` and the columns
 * asked for. Exact before merges: duplicates of a version are identical, so argMax over
 * source_position picks the same values whichever copy it meets; a delete is the greatest version
 * of its id and removes it. The columns travel in one tuple because argMax on a Nullable column
 * skips NULLs, which would resurrect an older non-NULL value.
 */
export function latestStateSql(table: AnalyticsTable, columns: readonly string[], tableName: string = table.name): string {
  const known = new Set([...table.columns.map((c) => c.name), ...LOSSY_COLUMNS.map((c) => c.name)]);
  for (const c of columns) if (!known.has(c)) throw new Error(`${table.name} has no column ${c}`);
  const projected = columns.map((c, i) => `tupleElement(latest, ${i + 2}) AS ${quoteIdentifier(c)}`);
  return [
    `SELECT id${projected.length ? ', ' : ''}${projected.join(', ')}`,
    `FROM (SELECT ${quoteIdentifier(table.idColumn)} AS id, argMax(tuple(is_deleted${columns.map((c) => `, ${quoteIdentifier(c)}`).join('')}), source_position) AS latest`,
    `      FROM ${quoteIdentifier(tableName)} GROUP BY ${quoteIdentifier(table.idColumn)})`,
    `WHERE tupleElement(latest, 1) = 0`,
  ].join('\n');
}

/** Live entity count and exact sums (as decimal text) of the columns given. */
export function totalsSql(table: AnalyticsTable, sumColumns: readonly string[], tableName?: string): string {
  const sums = sumColumns.map((c) => `toString(sum(${quoteIdentifier(c)})) AS ${quoteIdentifier(c)}`);
  return `SELECT toString(count()) AS count${sums.length ? ', ' : ''}${sums.join(', ')} FROM (${latestStateSql(table, sumColumns, tableName)})`;
}

/** Decimal text at a fixed scale: current servers drop trailing zeros, PostgreSQL and 18.16 keep them. */
export function decimalAtScale(text: string | null, scale: number): string | null {
  if (text === null) return null;
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a decimal: ${text}`);
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) throw new Error(`${text} has more than ${scale} decimal places`);
  return `${match[1]}${match[2]}${scale > 0 ? `.${fraction.padEnd(scale, '0')}` : ''}`;
}

/**
 * The live rows whose latest version has a flagged column (a value the typed column could not
 * hold: NULL, clamped or truncated there), with the flagged columns and their original text.
 * Runs on 18.16 and current servers; `visitParamExtractString(raw_values, '<column>')` reads one.
 */
export function lossyRowsSql(table: AnalyticsTable, tableName?: string): string {
  return `SELECT toString(id) AS id, lossy_fields, raw_values FROM (${latestStateSql(table, LOSSY_COLUMNS.map((c) => c.name), tableName)})
WHERE notEmpty(lossy_fields) ORDER BY id`;
}
