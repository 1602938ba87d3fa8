import { ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import type { AnalyticsTable } from '../schema/analytics-tables';
import { physicalColumns, type RowSource } from '../schema/column.types';
import { LOSSY_COLUMNS, LossyValues } from './lossy-values';
import { encodeColumn, escapeTsv, FieldRejection } from './tsv-values';

const TSV_NULL = '\\N';
/** Where a NULL time key (a tombstone's) lands: the key is ifNull(time, epoch). */
const EPOCH_PARTITION = '197001';

export type RowConversion =
  /**
   * `partition`: the month (YYYYMM) of the table's time column, as the table is partitioned.
   * `lossy`: the columns whose typed value is not the source's (their original text is in raw_values).
   */
  | { ok: true; line: string; partition: string; lossy: readonly string[] }
  | { ok: false; error: { code: string; message: string; field: string } };

/**
 * One TabSeparated line for the table, or why the event breaks its schema: the first column that
 * fails names the entity, the id and the field. A legal value a column cannot hold (out of range,
 * finer than the type, NaN, ±infinity, an unpaired surrogate) does not fail the row: the column
 * holds NULL, the clamped or the truncated value, and raw_values / lossy_fields keep the original.
 */
export function toAnalyticsRow(table: AnalyticsTable, row: RowSource, caps: AnalyticsCapabilities): RowConversion {
  const fields: string[] = [];
  const lossy = new LossyValues();
  let partition = EPOCH_PARTITION;
  for (const column of table.columns) {
    try {
      const encoded = encodeColumn(column, column.value(row), caps, lossy);
      if (column.name === table.timeColumn && encoded[0] !== TSV_NULL) partition = encoded[0].slice(0, 4) + encoded[0].slice(5, 7);
      for (const value of encoded) fields.push(value);
    } catch (error) {
      const rejection = error instanceof FieldRejection ? error : null;
      return {
        ok: false,
        error: {
          code: rejection?.code ?? ErrorCode.ValidationFailed,
          message: `${table.entity} ${row.envelope.aggregateId}: field ${column.name} ${rejection?.reason ?? (error instanceof Error ? error.message : String(error))}`,
          field: column.name,
        },
      };
    }
  }
  for (const value of lossy.fields()) fields.push(escapeTsv(value));
  return { ok: true, line: fields.join('\t') + '\n', partition, lossy: lossy.flagged };
}

/** The column list an INSERT of these lines names (ingested_at is filled by the server). */
export function insertColumnNames(table: AnalyticsTable, caps: AnalyticsCapabilities): string[] {
  return [...table.columns.flatMap((c) => physicalColumns(c, caps).map((p) => p.name)), ...LOSSY_COLUMNS.map((c) => c.name)];
}
