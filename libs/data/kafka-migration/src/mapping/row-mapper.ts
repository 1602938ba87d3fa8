import { ENTITY_EVENTS } from '@mch/contracts';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { fromPgText } from './pg-text.converter';
import { sourceColumns, type EntitySource } from './entity-sources';

export type RawRow = Record<string, string | null | undefined>;

/**
 * Maps a row given as column text values to the entity's event data, then validates it against
 * the entity's contract. Throws a DomainException naming entity, id and field on the first problem.
 */
export function mapRow(source: EntitySource, raw: RawRow): Record<string, unknown> {
  const id = raw.id ?? '(no id)';
  const columns: Record<string, unknown> = {};
  for (const [column, type] of Object.entries(sourceColumns(source))) {
    const text = raw[column];
    if (text === undefined) {
      throw new DomainException(ErrorCode.ValidationFailed, `${source.entity} ${id}: column ${column} is missing from the row`, {
        entity: source.entity,
        id: String(id),
        field: column,
      });
    }
    columns[column] = fromPgText(type, text, { entity: source.entity, id: String(id), field: column });
  }
  const data: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(source.fields)) data[field] = columns[spec.column];
  for (const [field, derive] of Object.entries(source.derived ?? {})) data[field] = derive(columns);
  const checked = ENTITY_EVENTS[source.entity].data.safeParse(data);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue.path.join('.');
    throw new DomainException(ErrorCode.ValidationFailed, `${source.entity} ${id}: field ${field} ${issue.message}`, {
      entity: source.entity,
      id: String(id),
      field,
    });
  }
  return data;
}
