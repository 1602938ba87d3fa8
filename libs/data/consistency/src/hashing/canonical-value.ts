import { exactTimestampText, rawJsonText, type PgType } from '@mch/data-kafka-migration';

/**
 * The type of a mapped field, as the row's canonical text is built from it. Mapped fields carry
 * the PostgreSQL type of the column they come from (or the declared type of a derived field).
 */
export type FieldType = PgType;

/** A row's field in canonical text form; null stands for NULL (Weaviate: an absent property). */
export type CanonicalText = string | null;

/**
 * Decimal text without insignificant trailing zeros: PostgreSQL and ClickHouse 18.16 print the
 * column's scale ('1234.50'), current ClickHouse releases do not ('1234.5'). Only the number
 * counts, so all three compare equal. 'NaN', 'Infinity' and '-Infinity' pass unchanged.
 */
export function normalizeDecimal(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Orders object keys as PostgreSQL's jsonb does: shorter keys first, then by their bytes. */
function jsonbKeyOrder(a: string, b: string): number {
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  if (la !== lb) return la - lb;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The text PostgreSQL prints for a jsonb value (`jsonb::text`): keys in jsonb order, ", " and
 * ": " separators, strings escaped as JSON.stringify does. Numbers are printed as JavaScript
 * prints them, or as written when parseJsonExact kept their text (`1.50`, 20 digits): read with
 * JSON.parse alone, a number PostgreSQL prints as 1.50 would come back as 1.5 and be reported as a
 * difference of that field.
 */
export function pgJsonbText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const raw = rawJsonText(value);
  if (raw !== null) return raw;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pgJsonbText).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => jsonbKeyOrder(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pgJsonbText(v)}`).join(', ')}}`;
  }
  throw new TypeError(`a ${typeof value} is not a JSON value`);
}

/** One value as it enters a row's encoding: 'N' for NULL, else 'V<bytes>:<text>' (length-prefixed, so unambiguous). */
export function encodeCanonical(text: CanonicalText): string {
  return text === null ? 'N' : `V${Buffer.byteLength(text, 'utf8')}:${text}`;
}

/**
 * The event's exact timestamp text (exactTimestampText) of a Date, of any form PostgreSQL prints,
 * or of ISO-8601 with Z or an offset. Other text Date can read (a store's zone-less form) is read
 * as UTC milliseconds, as before exact forms existed.
 */
function exactTimestamp(value: unknown): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('not a timestamp: an invalid Date');
    return value.toISOString();
  }
  const text = String(value);
  const exact = exactTimestampText(text);
  if (exact !== null) return exact;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a timestamp: ${JSON.stringify(value)}`);
  return date.toISOString();
}

/**
 * A mapped field's value (as mapRow produces it, or as a store gives it back) in canonical text.
 * Each store's SQL builds the same text from its own representation; see postgres-canonical.sql
 * and clickhouse-canonical.sql. This is the one JS definition: other stores' adapters call it.
 *
 * The forms are the event contract's (docs/kafka-migrator.md, "Values the events carry exactly"):
 * - timestamptz: `YYYY-MM-DDTHH:MM:SS.mmmZ`, `.ffffffZ` (6 digits) only when sub-millisecond digits
 *   are non-zero, years outside 0000-9999 as `+YYYYYY` / `-YYYYYY` (astronomical: 1 BC is `0000`,
 *   44 BC `-000043`), and `infinity` / `-infinity`;
 * - numeric: the decimal without insignificant trailing zeros, and `NaN`, `Infinity`, `-Infinity`;
 * - jsonb: PostgreSQL's jsonb::text (pgJsonbText).
 */
export function canonicalText(type: FieldType, value: unknown): CanonicalText {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'uuid':
      return String(value).toLowerCase();
    case 'text':
      return String(value);
    case 'int':
      return rawJsonText(value) ?? String(value);
    case 'numeric':
      return normalizeDecimal(String(value));
    case 'bool':
      return value === true || value === 'true' ? 'true' : 'false';
    case 'timestamptz':
      return exactTimestamp(value);
    case 'jsonb':
      return pgJsonbText(value);
    case 'text[]': {
      if (!Array.isArray(value)) throw new TypeError(`not a list: ${JSON.stringify(value)}`);
      return `${value.length}:${value.map((item) => encodeCanonical(item === null || item === undefined ? null : String(item))).join('')}`;
    }
  }
}
