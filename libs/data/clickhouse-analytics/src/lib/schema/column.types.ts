import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';

export type ColumnKind =
  | { type: 'uuid' }
  | { type: 'string'; lowCardinality?: boolean }
  | { type: 'decimal'; precision: number; scale: number }
  | { type: 'timestamp' }
  | { type: 'int32' }
  | { type: 'uint32' }
  | { type: 'uint8' };

/** What one stored row is built from: the event, and its data (null for a delete's tombstone). */
export interface RowSource {
  envelope: {
    eventId: string;
    eventType: string;
    aggregateId: string;
    timestamp: string;
    metadata: { correlationId: string; causationId?: string | null; migrationId?: string | null; userId?: string | null; sourcePosition?: string | null; operation?: string };
  };
  data: Record<string, unknown> | null;
}

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  /** The value to store; `undefined` (a tombstone's data field) stores NULL or the type's default. */
  value: (row: RowSource) => unknown;
}

/**
 * On servers without DateTime64 a timestamp is two columns: `x DateTime('UTC')` for the second and
 * `x_ms UInt16` for the milliseconds, so nothing the event carried is lost on 18.16 either.
 */
export const MILLIS_SUFFIX = '_ms';

function baseType(kind: ColumnKind, caps: AnalyticsCapabilities): string {
  switch (kind.type) {
    case 'uuid':
      return 'UUID';
    case 'string':
      return 'String';
    case 'decimal':
      return `Decimal(${kind.precision}, ${kind.scale})`;
    case 'timestamp':
      return caps.dateTime64 ? `DateTime64(3, 'UTC')` : `DateTime('UTC')`;
    case 'int32':
      return 'Int32';
    case 'uint32':
      return 'UInt32';
    case 'uint8':
      return 'UInt8';
  }
}

/** The stored columns a spec becomes on this server, name and ClickHouse type. */
export function physicalColumns(column: ColumnSpec, caps: AnalyticsCapabilities): { name: string; type: string }[] {
  let type = baseType(column.kind, caps);
  if (column.nullable) type = `Nullable(${type})`;
  if (column.kind.type === 'string' && column.kind.lowCardinality && caps.lowCardinality) type = `LowCardinality(${type})`;
  const columns = [{ name: column.name, type }];
  if (column.kind.type === 'timestamp' && !caps.dateTime64) columns.push({ name: `${column.name}${MILLIS_SUFFIX}`, type: 'UInt16' });
  return columns;
}

/** `ifNull(col, epoch)` for nullable time columns used in keys, typed as the column is. */
export function epochLiteral(caps: AnalyticsCapabilities): string {
  return caps.dateTime64 ? `toDateTime64(0, 3, 'UTC')` : `toDateTime(0, 'UTC')`;
}
