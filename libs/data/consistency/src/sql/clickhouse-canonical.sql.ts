import {
  MILLIS_SUFFIX,
  quoteIdentifier,
  type AnalyticsCapabilities,
  type ColumnSpec,
} from '@mch/data-clickhouse-analytics';
import { assertSegmentPrefixes } from '../hashing/row-hash';
import type { ClickHouseProfile } from '../profiles/clickhouse-profile';

/**
 * Canonical text (see canonical-value.ts) of a stored column, in ClickHouse SQL that 18.16 runs
 * (no query parameters; every value inlined below is a checked hex prefix or UUID).
 */
export function chCanonicalColumn(column: ColumnSpec, caps: AnalyticsCapabilities): string {
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
      return `if(position(toString(${c}), '.') > 0, replaceRegexpOne(toString(${c}), '\\\\.?0+$', ''), toString(${c}))`;
    case 'timestamp':
      return caps.dateTime64
        ? `concat(replaceOne(toString(${c}), ' ', 'T'), 'Z')`
        : `concat(replaceOne(toString(${c}), ' ', 'T'), '.', substring(toString(1000 + ${quoteIdentifier(column.name + MILLIS_SUFFIX)}), 2, 3), 'Z')`;
    case 'uint8':
      return `if(isNull(${c}), CAST(NULL AS Nullable(String)), if(assumeNotNull(${c}) = 1, 'true', 'false'))`;
  }
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
