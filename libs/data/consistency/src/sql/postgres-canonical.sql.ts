import type { MigratedEntity } from '@mch/contracts';
import { ENTITY_SOURCES } from '@mch/data-kafka-migration';
import type { FieldType } from '../hashing/canonical-value';
import type { HashProfile } from '../profiles/hash-profile';

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The characters String.prototype.trim() removes: a requirement made only of them is dropped by mapRow. */
const JS_WHITESPACE = [
  0x09,
  0x0a,
  0x0b,
  0x0c,
  0x0d,
  0x20,
  0xa0,
  0x1680,
  ...range(0x2000, 0x200a),
  0x2028,
  0x2029,
  0x202f,
  0x205f,
  0x3000,
  0xfeff,
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * exactTimestampText in SQL, independent of the session's TimeZone and DateStyle: UTC fields by
 * to_char, the astronomical year (extract gives -1 for 1 BC) as 4 digits in 0000-9999 or signed 6
 * digits outside, 6 fraction digits only when sub-millisecond ones are non-zero, ±infinity by name.
 */
export function pgExactTimestamp(c: string): string {
  const u = `(${c} AT TIME ZONE 'UTC')`;
  const y = `(extract(year FROM ${u})::int + CASE WHEN extract(year FROM ${u}) < 0 THEN 1 ELSE 0 END)`;
  return `CASE WHEN ${c} = 'infinity' THEN 'infinity' WHEN ${c} = '-infinity' THEN '-infinity' ELSE
    CASE WHEN ${y} BETWEEN 0 AND 9999 THEN lpad(${y}::text, 4, '0') WHEN ${y} > 9999 THEN '+' || lpad(${y}::text, 6, '0') ELSE '-' || lpad((-${y})::text, 6, '0') END
    || to_char(${u}, '-MM-DD"T"HH24:MI:SS.') || CASE WHEN to_char(${u}, 'US') LIKE '%000' THEN to_char(${u}, 'MS') ELSE to_char(${u}, 'US') END || 'Z' END`;
}

/** Canonical text (see canonical-value.ts) of a column of the given type, in PostgreSQL. */
export function pgCanonicalColumn(type: FieldType, column: string): string {
  const c = `t.${quoteIdent(column)}`;
  switch (type) {
    case 'uuid':
    case 'text':
    case 'int':
    case 'bool':
      return `${c}::text`;
    case 'numeric':
      return `trim_scale(${c})::text`;
    case 'timestamptz':
      return pgExactTimestamp(c);
    case 'jsonb':
      // A JSON null maps to a null field, as JSON.parse('null') does.
      return `CASE WHEN jsonb_typeof(${c}) = 'null' THEN NULL ELSE ${c}::text END`;
    case 'text[]':
      return `CASE WHEN ${c} IS NULL THEN NULL ELSE cardinality(${c})::text || ':' || coalesce((SELECT string_agg(CASE WHEN u.e IS NULL THEN 'N' ELSE 'V' || octet_length(u.e) || ':' || u.e END, '' ORDER BY u.i) FROM unnest(${c}::text[]) WITH ORDINALITY AS u(e, i)), '') END`;
  }
}

const samText = (key: string) =>
  `CASE WHEN jsonb_typeof(t.sam_raw_data -> '${key}') = 'string' AND t.sam_raw_data ->> '${key}' <> '' THEN t.sam_raw_data ->> '${key}' END`;

/** requirementsFrom() in SQL: a list of strings or {text|requirement} objects, or {requirements: [...]}; blank ones dropped. */
const REQUIREMENTS_SQL = `(SELECT count(*)::text || ':' || coalesce(string_agg('V' || octet_length(r.s) || ':' || r.s, '' ORDER BY r.i), '')
   FROM (SELECT e.i, CASE jsonb_typeof(e.v)
                  WHEN 'string' THEN e.v #>> '{}'
                  WHEN 'object' THEN CASE WHEN coalesce(jsonb_typeof(e.v -> 'text'), 'null') <> 'null'
                                          THEN CASE WHEN jsonb_typeof(e.v -> 'text') = 'string' THEN e.v ->> 'text' END
                                          ELSE CASE WHEN jsonb_typeof(e.v -> 'requirement') = 'string' THEN e.v ->> 'requirement' END END
                END AS s
           FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t.extracted_requirements) = 'array' THEN t.extracted_requirements
                                          WHEN jsonb_typeof(t.extracted_requirements) = 'object'
                                           AND jsonb_typeof(t.extracted_requirements -> 'requirements') = 'array'
                                          THEN t.extracted_requirements -> 'requirements'
                                          ELSE '[]'::jsonb END) WITH ORDINALITY AS e(v, i)) r
  WHERE r.s IS NOT NULL AND r.s ~ '[^${String.fromCodePoint(...JS_WHITESPACE)}]')`;

/**
 * The derived fields of ENTITY_SOURCES in SQL, producing the canonical text of what mapRow
 * derives. The integration test compares every fixture row's hash computed here with the hash of
 * mapRow's output, so the two definitions cannot drift apart unnoticed.
 */
export const DERIVED_FIELD_SQL: Partial<Record<MigratedEntity, Record<string, string>>> = {
  opportunity: { noticeType: samText('type'), baseType: samText('baseType') },
  contract_document: { requirements: REQUIREMENTS_SQL },
};

/** Canonical text of one mapped field of a row `t` of the entity's table. */
export function pgCanonicalField(entity: MigratedEntity, field: string, type: FieldType): string {
  const source = ENTITY_SOURCES[entity];
  const spec = source.fields[field];
  if (spec) return pgCanonicalColumn(type, spec.column);
  const derived = DERIVED_FIELD_SQL[entity]?.[field];
  if (!derived) throw new Error(`${entity}.${field} has no SQL in DERIVED_FIELD_SQL`);
  return derived;
}

/**
 * When the row last changed: the newest of its updated_at and created_at (rows with neither never
 * count as in flight). ±infinity says nothing about when a row changed and is left out: an
 * updated_at of 'infinity' would otherwise keep its row in flight forever.
 */
export function pgChangedAt(entity: MigratedEntity): string {
  const fields = ENTITY_SOURCES[entity].fields;
  const columns = [fields.updatedAt?.column, fields.createdAt?.column].filter((c): c is string => Boolean(c));
  return columns.length === 0
    ? 'NULL::timestamptz'
    : `greatest(${columns.map((c) => `CASE WHEN isfinite(t.${quoteIdent(c)}) THEN t.${quoteIdent(c)} END`).join(', ')})`;
}

/** Name of a profile field's canonical column in the inner select. */
export const canonicalAlias = (field: string) => quoteIdent(`f_${field}`);

/** 'N' or 'V<bytes>:<text>' per field, concatenated: the row's encoding (see encodeCanonical). */
export function pgRowEncoding(profile: HashProfile, alias = 'c'): string {
  const parts = profile.fields.map((f) => {
    const v = `${alias}.${canonicalAlias(f.field)}`;
    return `CASE WHEN ${v} IS NULL THEN 'N' ELSE 'V' || octet_length(${v}) || ':' || ${v} END`;
  });
  return `concat(''${parts.map((p) => `, ${p}`).join('')})`;
}

/** The row hash as the signed bigint of MD5's first 8 bytes (the sum is taken modulo 2^64 afterwards). */
export const pgHashBigint = (encoding: string) => `('x' || substr(md5(${encoding}), 1, 16))::bit(64)::bigint`;
export const pgHashHex = (encoding: string) => `substr(md5(${encoding}), 1, 16)`;
export const pgSegment = (idSql: string, length: number) =>
  `substr(md5(${idSql}::text), 1, ${Math.trunc(length)})`;
