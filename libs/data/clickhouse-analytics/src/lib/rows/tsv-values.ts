import { ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import type { ColumnKind, ColumnSpec } from '../schema/column.types';

/** A value this column cannot hold exactly; the row is dead-lettered with this reason. */
export class FieldRejection extends Error {
  constructor(
    readonly code: typeof ErrorCode.ValidationFailed | typeof ErrorCode.UnsupportedByStore,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const invalid = (reason: string) => new FieldRejection(ErrorCode.ValidationFailed, reason);
const unsupported = (reason: string) => new FieldRejection(ErrorCode.UnsupportedByStore, reason);

const TSV_NULL = '\\N';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/;
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

function encodeString(value: unknown): string {
  if (typeof value !== 'string') throw invalid(`is not a string (${typeof value})`);
  // Encoding an unpaired surrogate as UTF-8 would silently turn it into U+FFFD.
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) throw invalid('contains an unpaired UTF-16 surrogate, which UTF-8 cannot carry unchanged');
  return escapeTsv(value);
}

function encodeUuid(value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid(`is not a UUID: ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/** Exact decimal text for Decimal(p, s); never through a float. */
export function encodeDecimal(value: unknown, precision: number, scale: number): string {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  const match = typeof text === 'string' ? DECIMAL.exec(text) : null;
  if (!match) throw invalid(`is not a decimal number: ${JSON.stringify(value)}`);
  const [, sign, digits, fraction = ''] = match;
  const whole = digits.replace(/^0+(?=\d)/, '');
  const significantFraction = fraction.replace(/0+$/, '');
  if (significantFraction.length > scale) {
    throw unsupported(`${text} has more than ${scale} decimal places (Decimal(${precision}, ${scale}) would round it)`);
  }
  if (whole.length > precision - scale) {
    throw unsupported(`${text} exceeds Decimal(${precision}, ${scale}) (at most ${precision - scale} integer digits)`);
  }
  const isZero = /^0*$/.test(whole + significantFraction);
  return `${sign && !isZero ? '-' : ''}${whole}${significantFraction ? `.${significantFraction}` : ''}`;
}

function encodeInteger(value: unknown, min: number, max: number, type: string): string {
  if (typeof value === 'boolean' && type === 'UInt8') return value ? '1' : '0';
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`is not an integer: ${JSON.stringify(value)}`);
  if (value < min || value > max) throw unsupported(`${value} is outside ${type} (${min}..${max})`);
  return String(value);
}

/** Milliseconds since the epoch of an ISO-8601 timestamp, exactly (no Date.parse leniency). */
export function parseIsoMillis(value: unknown): number {
  const match = typeof value === 'string' ? ISO.exec(value) : null;
  if (!match) throw invalid(`is not an ISO-8601 timestamp: ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, fraction = '', zone] = match;
  if (/[1-9]/.test(fraction.slice(3))) throw unsupported(`${value} has sub-millisecond precision, which the column cannot hold`);
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), Number(fraction.slice(0, 3).padEnd(3, '0')));
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw invalid(`is not a valid calendar time: ${value}`);
  }
  let offsetMs = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return date.getTime() - offsetMs;
}

const CANONICAL_ISO = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const [LEGACY_MIN_ISO, LEGACY_MAX_ISO] = [new Date(0).toISOString(), new Date(LEGACY_MAX_MS).toISOString()];
const [MODERN_MIN_ISO, MODERN_MAX_ISO] = [new Date(MODERN_MIN_MS).toISOString(), new Date(MODERN_MAX_MS).toISOString()];

/**
 * Date#toISOString's form (what the kafka-migrator writes) is converted by slicing, without a
 * Date: it runs for every timestamp of every event. Range checks compare the text, which orders
 * like the time in this fixed-width form.
 */
function encodeCanonicalTimestamp(text: string, caps: AnalyticsCapabilities): string[] | null {
  if (!CANONICAL_ISO.test(text)) return null;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (Number(text.slice(8, 10)) > DAYS_IN_MONTH[month - 1] + (month === 2 && leap ? 1 : 0)) return null;
  const [min, max] = caps.dateTime64 ? [MODERN_MIN_ISO, MODERN_MAX_ISO] : [LEGACY_MIN_ISO, LEGACY_MAX_ISO];
  if (text < min || text > max) return null;
  const seconds = `${text.slice(0, 10)} ${text.slice(11, 19)}`;
  return caps.dateTime64 ? [`${seconds}.${text.slice(20, 23)}`] : [seconds, String(Number(text.slice(20, 23)))];
}

/** The TSV fields of a timestamp: one DateTime64 text, or a DateTime text plus its milliseconds. */
export function encodeTimestamp(value: unknown, caps: AnalyticsCapabilities): string[] {
  const fast = typeof value === 'string' ? encodeCanonicalTimestamp(value, caps) : null;
  if (fast) return fast;
  const ms = parseIsoMillis(value);
  const [min, max, range] = caps.dateTime64
    ? [MODERN_MIN_MS, MODERN_MAX_MS, '1900-01-01..2299-12-31 (DateTime64)']
    : [0, LEGACY_MAX_MS, '1970-01-01..2105-12-31 23:59:59 (DateTime)'];
  if (ms < min || ms > max) throw unsupported(`${value} is outside the column's range ${range}`);
  const iso = new Date(ms).toISOString();
  const seconds = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return caps.dateTime64 ? [`${seconds}.${iso.slice(20, 23)}`] : [seconds, String(ms - Math.floor(ms / 1000) * 1000)];
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

/** The TSV field(s) of one column; throws FieldRejection when the value cannot be stored as it is. */
export function encodeColumn(column: ColumnSpec, value: unknown, caps: AnalyticsCapabilities): string[] {
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
      return [encodeString(value)];
    case 'decimal':
      return [encodeDecimal(value, kind.precision, kind.scale)];
    case 'timestamp':
      return encodeTimestamp(value, caps);
    case 'int32':
      return [encodeInteger(value, -2_147_483_648, 2_147_483_647, 'Int32')];
    case 'uint32':
      return [encodeInteger(value, 0, 4_294_967_295, 'UInt32')];
    case 'uint8':
      return [encodeInteger(value, 0, 255, 'UInt8')];
  }
}
