import type { MigratedEntity } from '@mch/contracts';
import { canonicalText, type FieldType } from '../hashing/canonical-value';
import { mappedFieldTypes } from './hash-profile';

function sentinelValue(type: FieldType, field: string, i: number): unknown {
  switch (type) {
    case 'uuid':
      return `00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`;
    case 'text':
      return `\u0002sentinel:${field}`;
    case 'int':
      return 7_000_001 + i;
    case 'numeric':
      return `${900_001 + i}.25`;
    case 'bool':
      return true;
    case 'timestamptz':
      return new Date(Date.UTC(2001, 0, 1, 0, 0, i, i + 1)).toISOString();
    case 'jsonb':
      return { sentinel: field };
    case 'text[]':
      return ['sentinel', field];
  }
}

/** Mapped data in which every field holds a value no other field holds. */
export function sentinelData(entity: MigratedEntity): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(mappedFieldTypes(entity)).map(([field, type], i) => [
      field,
      sentinelValue(type, field, i),
    ]),
  );
}

/**
 * Which stored names hold which mapped field unchanged, found by running the store's own mapping
 * (the ClickHouse column definitions, the Weaviate mapper) on sentinel data: a stored value whose
 * canonical text equals exactly one field's is a copy of that field. Read from the writers' code
 * rather than restated here, so a column or property added, renamed or transformed there changes
 * what is compared without an edit here. Booleans cannot be told apart by value; a boolean is
 * matched only when the entity has a single boolean field.
 */
export function discoverCopiedFields(
  entity: MigratedEntity,
  project: (data: Record<string, unknown>) => Record<string, unknown>,
): Record<string, string> {
  const types = mappedFieldTypes(entity);
  const data = sentinelData(entity);
  const stored = project(data);
  const bools = Object.values(types).filter((t) => t === 'bool').length;
  const copies: Record<string, string> = {};
  for (const [name, value] of Object.entries(stored)) {
    if (value === null || value === undefined) continue;
    const matches = Object.entries(types).filter(([field, type]) => {
      if (type === 'bool' && (bools !== 1 || typeof value !== 'boolean')) return false;
      try {
        return canonicalText(type, value) === canonicalText(type, data[field]) && sameShape(type, value);
      } catch {
        return false;
      }
    });
    if (matches.length === 1 && !(matches[0][0] in copies)) copies[matches[0][0]] = name;
  }
  return copies;
}

/** A text field's sentinel must come back as a string, not merely print the same. */
function sameShape(type: FieldType, value: unknown): boolean {
  if (type === 'text' || type === 'uuid' || type === 'numeric') return typeof value === 'string';
  if (type === 'int') return typeof value === 'number';
  if (type === 'timestamptz') return typeof value === 'string' || value instanceof Date;
  if (type === 'text[]') return Array.isArray(value);
  return true;
}
