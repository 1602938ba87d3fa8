import { ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import type { AnalyticsTable } from '../schema/analytics-tables';
import { physicalColumns, type RowSource } from '../schema/column.types';
import { encodeColumn, FieldRejection } from './tsv-values';

const TSV_NULL = '\\N';
/** Where a NULL time key (a tombstone's) lands: the key is ifNull(time, epoch). */
const EPOCH_PARTITION = '197001';

export type RowConversion =
  /** `partition`: the month (YYYYMM) of the table's time column, as the table is partitioned. */
  | { ok: true; line: string; partition: string }
  | { ok: false; error: { code: string; message: string; field: string } };

/**
 * One TabSeparated line for the table, or why the event cannot be stored unchanged: the first
 * column that fails names the entity, the id and the field. Nothing is clamped, rounded or
 * truncated to make a row fit.
 */
export function toAnalyticsRow(table: AnalyticsTable, row: RowSource, caps: AnalyticsCapabilities): RowConversion {
  const fields: string[] = [];
  let partition = EPOCH_PARTITION;
  for (const column of table.columns) {
    try {
      const encoded = encodeColumn(column, column.value(row), caps);
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
  return { ok: true, line: fields.join('\t') + '\n', partition };
}

/** The column list an INSERT of these lines names (ingested_at is filled by the server). */
export function insertColumnNames(table: AnalyticsTable, caps: AnalyticsCapabilities): string[] {
  return table.columns.flatMap((c) => physicalColumns(c, caps).map((p) => p.name));
}
