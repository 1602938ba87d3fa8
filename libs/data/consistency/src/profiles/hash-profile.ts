import type { MigratedEntity } from '@mch/contracts';
import { ENTITY_SOURCES } from '@mch/data-kafka-migration';
import { canonicalText, type CanonicalText, type FieldType } from '../hashing/canonical-value';
import { rowHash } from '../hashing/row-hash';

/** One mapped field a store holds: its name in the event data, its type, its name in the store. */
export interface ProfileField {
  field: string;
  type: FieldType;
  stored: string;
}

/**
 * The mapped fields one comparison covers, in a fixed order (by field name). Kafka carries every
 * mapped field; ClickHouse and Weaviate hold a subset, so PostgreSQL is hashed once per target
 * over exactly the fields that target holds.
 */
export interface HashProfile {
  entity: MigratedEntity;
  fields: ProfileField[];
}

/**
 * Types of the derived fields (mapRow computes them from columns, so no column type says what
 * they are). An entity source gaining a derived field must add it here and in
 * postgres-canonical.sql; a unit test fails until both are there.
 */
export const DERIVED_FIELD_TYPES: Partial<Record<MigratedEntity, Record<string, FieldType>>> = {
  opportunity: { noticeType: 'text', baseType: 'text' },
  contract_document: { requirements: 'text[]' },
};

/** Every mapped field of the entity with its type: columns' fields and derived fields. */
export function mappedFieldTypes(entity: MigratedEntity): Record<string, FieldType> {
  const source = ENTITY_SOURCES[entity];
  const types: Record<string, FieldType> = {};
  for (const [field, spec] of Object.entries(source.fields)) types[field] = spec.type;
  for (const field of Object.keys(source.derived ?? {})) {
    const type = DERIVED_FIELD_TYPES[entity]?.[field];
    if (!type)
      throw new Error(`${entity}.${field} is derived but has no declared type in DERIVED_FIELD_TYPES`);
    types[field] = type;
  }
  return types;
}

export function profileOf(entity: MigratedEntity, fields: Record<string, string>): HashProfile {
  const types = mappedFieldTypes(entity);
  const list = Object.entries(fields).map(([field, stored]) => {
    const type = types[field];
    if (!type) throw new Error(`${entity} has no mapped field ${field}`);
    return { field, type, stored };
  });
  list.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  return { entity, fields: list };
}

/** Every mapped field, stored under its own name: what the entity topic's events carry. */
export function fullProfile(entity: MigratedEntity): HashProfile {
  return profileOf(entity, Object.fromEntries(Object.keys(mappedFieldTypes(entity)).map((f) => [f, f])));
}

/** Canonical texts of mapped data (keyed by field name) in profile order. */
export function canonicalFields(profile: HashProfile, data: Record<string, unknown>): CanonicalText[] {
  return profile.fields.map((f) => canonicalText(f.type, data[f.field]));
}

/** Canonical texts of a stored record (keyed by stored name) in profile order. */
export function canonicalStored(profile: HashProfile, record: Record<string, unknown>): CanonicalText[] {
  return profile.fields.map((f) => canonicalText(f.type, record[f.stored]));
}

export function hashMapped(profile: HashProfile, data: Record<string, unknown>): string {
  return rowHash(canonicalFields(profile, data));
}
