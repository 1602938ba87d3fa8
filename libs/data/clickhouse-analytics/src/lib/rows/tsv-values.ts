import { ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import type { ColumnKind, ColumnSpec } from '../schema/column.types';
import type { LossyValues } from './lossy-values';

/**
 * A value that breaks the event's schema (not a UUID, not a decimal, not a timestamp, NULL where
 * the source cannot have NULL): no target can represent it, and the row is dead-lettered with this
 * reason. A legal source value a column cannot hold is never one of these: it is stored NULL,
 * clamped or truncated and flagged (LossyValues), see docs/clickhouse.md.
 */
export class FieldRejection extends Error {
  constructor(
    readonly code: typeof ErrorCode.ValidationFailed | typeof ErrorCode.UnsupportedByStore,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const invalid = (reason: string) => new FieldRejection(ErrorCode.ValidationFailed, reason);

const TSV_NULL = '\\N';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/** ISO-8601 with a 4-digit year, or the expanded ±YYYYYY form Date#toISOString prints outside 0000-9999. */
const ISO = /^(\d{4}|[+-]\d{6})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };
const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

/**
 * DateTime64(3) holds 1900-01-01 to 2299-12-31. DateTime is an unsigned 32-bit second count, but
 * 18.16's date tables end with 2105: later values wrap silently to 1970 (tested), so they end there.
 */
const MODERN_MIN_MS = Date.UTC(1900, 0, 1);
const MODERN_MAX_MS = Date.UTC(2300, 0, 1) - 1;
const LEGACY_MAX_MS = Date.UTC(2106, 0, 1) - 1;

export function escapeTsv(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]) : text;
}

type WellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * Text is stored whole, NUL included (String holds bytes; TSV escapes it). An unpaired UTF-16
 * surrogate (possible only from producers other than PostgreSQL) has no UTF-8 form: the column
 * holds it as U+FFFD, as any UTF-8 reader would, and the original is kept and flagged.
 */
function encodeString(column: string, value: unknown, lossy: LossyValues): string {
  if (typeof value !== 'string') throw invalid(`is not a string (${typeof value})`);
  const text = value as WellFormed;
  if (text.isWellFormed()) return escapeTsv(value);
  lossy.flag(column, value);
  return escapeTsv(text.toWellFormed());
}

function encodeUuid(value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid(`is not a UUID: ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/** What a value is when its column cannot hold it: below or above the range, or without an order (NaN). */
type Outside = 'below' | 'above' | 'unordered';

/** NULL for a nullable column; otherwise the range's end (or the type's default for NaN). */
function outside(column: ColumnSpec, original: string, side: Outside, lossy: LossyValues, clamp: (side: Outside) => string[], nullFields: string[]): string[] {
  lossy.flag(column.name, original);
  return column.nullable ? nullFields : clamp(side);
}

/** Exact decimal text for Decimal(p, s), never through a float; or why it does not fit. */
function decimalText(value: unknown, precision: number, scale: number): { text: string; truncated: boolean } | Outside {
  if (value === 'NaN') return 'unordered';
  if (value === 'Infinity') return 'above';
  if (value === '-Infinity') return 'below';
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  const match = typeof text === 'string' ? DECIMAL.exec(text) : null;
  if (!match) throw invalid(`is not a decimal number: ${JSON.stringify(value)}`);
  const [, sign, digits, fraction = ''] = match;
  const whole = digits.replace(/^0+(?=\d)/, '');
  if (whole.length > precision - scale) return sign ? 'below' : 'above';
  let kept = fraction.replace(/0+$/, '');
  const truncated = kept.length > scale;
  if (truncated) kept = kept.slice(0, scale).replace(/0+$/, '');
  const isZero = /^0*$/.test(whole + kept);
  return { text: `${sign && !isZero ? '-' : ''}${whole}${kept ? `.${kept}` : ''}`, truncated };
}

/**
 * Decimal(p, s) text. Beyond p - s integer digits, NaN and ±Infinity: NULL (or ±the largest
 * value, 0 for NaN, in a non-nullable column); more than s decimals: truncated toward zero. Each
 * of these is flagged with the original text.
 */
export function encodeDecimal(column: ColumnSpec, value: unknown, precision: number, scale: number, lossy: LossyValues): string {
  const result = decimalText(value, precision, scale);
  if (typeof result === 'object') {
    if (result.truncated) lossy.flag(column.name, String(value));
    return result.text;
  }
  const largest = `${'9'.repeat(precision - scale)}${scale > 0 ? `.${'9'.repeat(scale)}` : ''}`;
  return outside(column, String(value), result, lossy, (side) => [side === 'unordered' ? '0' : side === 'below' ? `-${largest}` : largest], [TSV_NULL])[0];
}

function encodeInteger(column: ColumnSpec, value: unknown, min: number, max: number, type: string, lossy: LossyValues): string {
  if (typeof value === 'boolean' && type === 'UInt8') return value ? '1' : '0';
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`is not an integer: ${JSON.stringify(value)}`);
  if (value >= min && value <= max) return String(value);
  return outside(column, String(value), value < min ? 'below' : 'above', lossy, (side) => [String(side === 'below' ? min : max)], [TSV_NULL])[0];
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** A parsed timestamp: milliseconds since the epoch (floor), whether finer digits were cut, or a year no column holds. */
type ParsedTimestamp = { ms: number; subMillis: boolean } | { side: 'below' | 'above' };

/**
 * An ISO-8601 timestamp, exactly (no Date.parse leniency): the contract's forms (4-digit or
 * expanded ±YYYYYY years, 0-6+ fraction digits, Z or an offset) and `infinity` / `-infinity`.
 * Anything else, or an impossible calendar time (Feb 30, 24:00), breaks the schema.
 */
export function parseTimestamp(value: unknown): ParsedTimestamp {
  if (value === 'infinity') return { side: 'above' };
  if (value === '-infinity') return { side: 'below' };
  const match = typeof value === 'string' ? ISO.exec(value) : null;
  if (!match) throw invalid(`is not an ISO-8601 timestamp: ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, fraction = '', zone] = match;
  // ISO-8601 has no negative zero year (and Date refuses it).
  if (y === '-000000') throw invalid(`is not an ISO-8601 timestamp: ${JSON.stringify(value)}`);
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1] + (month === 2 && isLeap(year) ? 1 : 0) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw invalid(`is not a valid calendar time: ${value}`);
  }
  // Every column's range lies well inside 1000-9999, so an offset cannot move a year outside it into range.
  if (year < 1000) return { side: 'below' };
  if (year > 9999) return { side: 'above' };
  let offsetMs = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const ms = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), Number(fraction.slice(0, 3).padEnd(3, '0'))) - offsetMs;
  return { ms, subMillis: /[1-9]/.test(fraction.slice(3)) };
}

const CANONICAL_ISO = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const [LEGACY_MIN_ISO, LEGACY_MAX_ISO] = [new Date(0).toISOString(), new Date(LEGACY_MAX_MS).toISOString()];
const [MODERN_MIN_ISO, MODERN_MAX_ISO] = [new Date(MODERN_MIN_MS).toISOString(), new Date(MODERN_MAX_MS).toISOString()];

/**
 * Date#toISOString's form (what the kafka-migrator writes for whole milliseconds) within the
 * column's range is converted by slicing, without a Date: it runs for every timestamp of every
 * event. Range checks compare the text, which orders like the time in this fixed-width form.
 */
function encodeCanonicalTimestamp(text: string, caps: AnalyticsCapabilities): string[] | null {
  if (!CANONICAL_ISO.test(text)) return null;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  if (Number(text.slice(8, 10)) > DAYS_IN_MONTH[month - 1] + (month === 2 && isLeap(year) ? 1 : 0)) return null;
  const [min, max] = caps.dateTime64 ? [MODERN_MIN_ISO, MODERN_MAX_ISO] : [LEGACY_MIN_ISO, LEGACY_MAX_ISO];
  if (text < min || text > max) return null;
  const seconds = `${text.slice(0, 10)} ${text.slice(11, 19)}`;
  return caps.dateTime64 ? [`${seconds}.${text.slice(20, 23)}`] : [seconds, String(Number(text.slice(20, 23)))];
}

function timestampFields(ms: number, caps: AnalyticsCapabilities): string[] {
  const iso = new Date(ms).toISOString();
  const seconds = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return caps.dateTime64 ? [`${seconds}.${iso.slice(20, 23)}`] : [seconds, String(ms - Math.floor(ms / 1000) * 1000)];
}

/** The column's range in milliseconds: 1900-2299 (DateTime64(3)) or 1970-2105 (18.16's DateTime). */
export function timestampRange(caps: AnalyticsCapabilities): { min: number; max: number } {
  return caps.dateTime64 ? { min: MODERN_MIN_MS, max: MODERN_MAX_MS } : { min: 0, max: LEGACY_MAX_MS };
}

/**
 * The TSV fields of a timestamp: one DateTime64 text, or a DateTime text plus its milliseconds.
 * Finer than milliseconds: truncated (toward the past) and flagged. Outside the column's range,
 * BC, expanded years and ±infinity: NULL (non-nullable: the range's nearer end) and flagged.
 */
export function encodeTimestamp(column: ColumnSpec, value: unknown, caps: AnalyticsCapabilities, lossy: LossyValues): string[] {
  const fast = typeof value === 'string' ? encodeCanonicalTimestamp(value, caps) : null;
  if (fast) return fast;
  const parsed = parseTimestamp(value);
  const { min, max } = timestampRange(caps);
  const side = 'side' in parsed ? parsed.side : parsed.ms < min ? 'below' : parsed.ms > max ? 'above' : null;
  if (side !== null) {
    const nullFields = caps.dateTime64 ? [TSV_NULL] : [TSV_NULL, '0'];
    return outside(column, String(value), side, lossy, (s) => timestampFields(s === 'below' ? min : max, caps), nullFields);
  }
  const { ms, subMillis } = parsed as { ms: number; subMillis: boolean };
  if (subMillis) lossy.flag(column.name, String(value));
  return timestampFields(ms, caps);
}

function defaultFields(kind: ColumnKind, caps: AnalyticsCapabilities): string[] {
  switch (kind.type) {
    case 'uuid':
      return ['00000000-0000-0000-0000-000000000000'];
    case 'string':
      return [''];
    case 'timestamp':
      return caps.dateTime64 ? ['1970-01-01 00:00:00.000'] : ['1970-01-01 00:00:00', '0'];
    default:
      return ['0'];
  }
}

/**
 * The TSV field(s) of one column. A value the column cannot hold exactly is stored as documented
 * (NULL, clamped or truncated) and recorded in `lossy`; FieldRejection only for a schema violation.
 */
export function encodeColumn(column: ColumnSpec, value: unknown, caps: AnalyticsCapabilities, lossy: LossyValues): string[] {
  if (value === undefined) {
    if (!column.nullable) return defaultFields(column.kind, caps);
    value = null;
  }
  if (value === null) {
    if (!column.nullable) throw invalid('is null, but the column is not nullable');
    return column.kind.type === 'timestamp' && !caps.dateTime64 ? [TSV_NULL, '0'] : [TSV_NULL];
  }
  const kind = column.kind;
  switch (kind.type) {
    case 'uuid':
      return [encodeUuid(value)];
    case 'string':
      return [encodeString(column.name, value, lossy)];
    case 'decimal':
      return [encodeDecimal(column, value, kind.precision, kind.scale, lossy)];
    case 'timestamp':
      return encodeTimestamp(column, value, caps, lossy);
    case 'int32':
      return [encodeInteger(column, value, -2_147_483_648, 2_147_483_647, 'Int32', lossy)];
    case 'uint32':
      return [encodeInteger(column, value, 0, 4_294_967_295, 'UInt32', lossy)];
    case 'uint8':
      return [encodeInteger(column, value, 0, 255, 'UInt8', lossy)];
  }
}
