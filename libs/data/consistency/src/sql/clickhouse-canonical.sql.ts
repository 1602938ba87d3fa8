import {
  MILLIS_SUFFIX,
  quoteIdentifier,
  type AnalyticsCapabilities,
  type ColumnSpec,
} from '@mch/data-clickhouse-analytics';
import { assertSegmentPrefixes } from '../hashing/row-hash';
import type { ClickHouseProfile } from '../profiles/clickhouse-profile';

/** A literal of a column name (they are identifiers; quotes and backslashes escaped regardless). */
const nameLiteral = (name: string) => `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Decimal text without insignificant trailing zeros (normalizeDecimal in canonical-value.ts). */
const chNormalizeDecimal = (text: string) => `if(position(${text}, '.') > 0, replaceRegexpOne(${text}, '\\\\.?0+$', ''), ${text})`;

/**
 * Canonical text of the typed column's value. 18.16 prints the epoch second as
 * '0000-00-00 00:00:00', so that second is spelled out.
 */
function chTypedCanonical(column: ColumnSpec, caps: AnalyticsCapabilities): string {
  const c = quoteIdentifier(column.name);
  switch (column.kind.type) {
    case 'uuid':
    case 'int32':
    case 'uint32':
      return `toString(${c})`;
    case 'string':
      return c;
    case 'decimal':
      // 18.16 prints the scale ('10.50'), current releases do not ('10.5'): trailing zeros go either way.
      return chNormalizeDecimal(`toString(${c})`);
    case 'timestamp':
      return caps.dateTime64
        ? `concat(replaceOne(toString(${c}), ' ', 'T'), 'Z')`
        : `concat(replaceOne(if(toUInt32(${c}) = 0, '1970-01-01 00:00:00', toString(${c})), ' ', 'T'), '.', substring(toString(1000 + ${quoteIdentifier(column.name + MILLIS_SUFFIX)}), 2, 3), 'Z')`;
    case 'uint8':
      return `if(isNull(${c}), CAST(NULL AS Nullable(String)), if(assumeNotNull(${c}) = 1, 'true', 'false'))`;
  }
}

/**
 * Canonical text (see canonical-value.ts) of a stored column, in ClickHouse SQL that 18.16 and
 * current servers run (no query parameters; every value inlined is a checked hex prefix, UUID or
 * column name). A column flagged in lossy_fields (a value it could not hold: NULL, clamped or
 * truncated there) is compared by the original text kept in raw_values, which is the event's
 * text of the source value, so such a row matches the source instead of counting as different.
 */
export function chCanonicalColumn(column: ColumnSpec, caps: AnalyticsCapabilities): string {
  const name = nameLiteral(column.name);
  let original = `visitParamExtractString(raw_values, ${name})`;
  if (column.kind.type === 'decimal') original = chNormalizeDecimal(original);
  return `if(has(lossy_fields, ${name}), ${original}, ${chTypedCanonical(column, caps)})`;
}

export function chCanonicalFields(p: ClickHouseProfile, caps: AnalyticsCapabilities): string[] {
  return p.profile.fields.map((f) => chCanonicalColumn(p.columns.get(f.stored) as ColumnSpec, caps));
}

export function chRowEncoding(p: ClickHouseProfile, caps: AnalyticsCapabilities): string {
  const parts = chCanonicalFields(p, caps).map(
    (v) =>
      `if(isNull(${v}), 'N', concat('V', toString(length(assumeNotNull(${v}))), ':', assumeNotNull(${v})))`,
  );
  return `concat(''${parts.map((e) => `, ${e}`).join('')})`;
}

export const chHashUInt64 = (encoding: string) =>
  `reinterpretAsUInt64(reverse(substring(MD5(${encoding}), 1, 8)))`;
export const chHashHex = (encoding: string) => `lower(hex(substring(MD5(${encoding}), 1, 8)))`;
export const chSegment = (idSql: string, length: number) =>
  `substring(lower(hex(MD5(toString(${idSql})))), 1, ${Math.trunc(length)})`;

/** `segment(id) IN (...)` for prefixes of possibly different lengths. */
export function chSegmentFilter(idSql: string, prefixes: readonly string[]): string {
  assertSegmentPrefixes(prefixes);
  const byLength = new Map<number, string[]>();
  for (const p of prefixes) byLength.set(p.length, [...(byLength.get(p.length) ?? []), p]);
  return [...byLength]
    .map(([len, list]) => `${chSegment(idSql, len)} IN (${list.map((p) => `'${p}'`).join(', ')})`)
    .join(' OR ');
}
