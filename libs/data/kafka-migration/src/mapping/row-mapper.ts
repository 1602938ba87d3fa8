import { ENTITY_EVENTS } from '@mch/contracts';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { fromPgText, type PgType } from './pg-text.converter';
import { sourceColumns, type EntitySource } from './entity-sources';

export type RawRow = Record<string, string | null | undefined>;

/** Column list and field wiring of a source, computed once: mapRow runs for every row. */
interface SourcePlan {
  columns: [string, PgType][];
  fields: [string, string][];
  derived: [string, (columns: Record<string, unknown>) => unknown][];
}
const plans = new WeakMap<EntitySource, SourcePlan>();

function planOf(source: EntitySource): SourcePlan {
  let plan = plans.get(source);
  if (!plan) {
    plan = {
      columns: Object.entries(sourceColumns(source)),
      fields: Object.entries(source.fields).map(([field, spec]) => [field, spec.column]),
      derived: Object.entries(source.derived ?? {}),
    };
    plans.set(source, plan);
  }
  return plan;
}

/**
 * Maps a row given as column text values to the entity's event data, then validates it against
 * the entity's contract. Throws a DomainException naming entity, id and field on the first problem.
 */
export function mapRow(source: EntitySource, raw: RawRow): Record<string, unknown> {
  const id = raw.id ?? '(no id)';
  const plan = planOf(source);
  const columns: Record<string, unknown> = {};
  for (const [column, type] of plan.columns) {
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
  for (const [field, column] of plan.fields) data[field] = columns[column];
  for (const [field, derive] of plan.derived) data[field] = derive(columns);
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
