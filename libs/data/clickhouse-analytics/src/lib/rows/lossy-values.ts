/**
 * Per-row columns that keep what a typed column could not hold: `raw_values` is a JSON object of
 * column name -> the source's original text, `lossy_fields` names those columns. A value outside a
 * column's range or precision is stored as NULL, clamped or truncated (see tsv-values.ts), never
 * used as a reason to drop the row; the original text stays queryable beside it, with
 * `visitParamExtractString(raw_values, 'col')` on 18.16 and current servers alike.
 */
export const RAW_VALUES_COLUMN = 'raw_values';
export const LOSSY_FIELDS_COLUMN = 'lossy_fields';

/** The row-level columns after a table's own, in DDL order, with their ClickHouse types. */
export const LOSSY_COLUMNS: readonly { name: string; type: string; ddl: string }[] = [
  { name: RAW_VALUES_COLUMN, type: 'String', ddl: `String DEFAULT '{}'` },
  { name: LOSSY_FIELDS_COLUMN, type: 'Array(String)', ddl: 'Array(String)' },
];

/** The TSV fields of a row nothing was flagged in: an empty object, an empty list. */
export const NO_LOSSY_FIELDS = ['{}', '[]'] as const;

/** Collects the flagged columns of one row while its columns are encoded. */
export class LossyValues {
  private raw: Record<string, string> | null = null;
  private names: string[] = [];

  flag(column: string, original: string): void {
    this.raw ??= {};
    if (!(column in this.raw)) this.names.push(column);
    this.raw[column] = original;
  }

  get flagged(): readonly string[] {
    return this.names;
  }

  /**
   * `raw_values` and `lossy_fields` as TabSeparated fields, unescaped for TSV (the caller escapes).
   * JSON.stringify writes a lone surrogate as a \\uXXXX escape, so the object text is valid UTF-8
   * and JSON.parse gives the original string back exactly.
   */
  fields(): readonly [string, string] {
    if (this.raw === null) return NO_LOSSY_FIELDS;
    // Column names are identifiers ([a-z0-9_]); no quoting inside the array literal is needed.
    return [JSON.stringify(this.raw), `[${this.names.map((n) => `'${n}'`).join(',')}]`];
  }
}
