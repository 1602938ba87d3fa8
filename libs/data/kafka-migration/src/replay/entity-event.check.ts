import { ENTITY_EVENTS, eventEnvelopeSchema, type ChangeOperation, type MigratedEntity } from '@mch/contracts';

const POSITION = /^(lsn|seq):[0-9a-f]{16}$/;

/**
 * Why a message is no valid event of the entity (the checks every consumer makes: the envelope,
 * the aggregate and event type, key = aggregateId = data.id, a source position, the entity's data
 * schema), or null when it is one. A replay republishes an original message only when this is
 * null: any other would be dead-lettered again.
 */
export function entityEventProblem(entity: MigratedEntity, key: string | null, value: string | null): string | null {
  if (value === null) return 'value is empty (a tombstone, not an event)';
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return 'value is not JSON';
  }
  const parsed = eventEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${issue.path.join('.') || '(value)'} is invalid: ${issue.message}`;
  }
  const e = parsed.data;
  const events = ENTITY_EVENTS[entity];
  if (e.aggregateType !== events.aggregateType) return `aggregateType is '${e.aggregateType}', expected '${events.aggregateType}'`;
  const operation = (Object.entries(events.eventTypes) as [ChangeOperation, string][]).find(([, type]) => type === e.eventType)?.[0];
  if (!operation) return `eventType '${e.eventType}' is not an event of ${events.aggregateType}`;
  if (key !== null && key !== e.aggregateId) return `key '${key}' differs from aggregateId`;
  if (!e.metadata.sourcePosition || !POSITION.test(e.metadata.sourcePosition)) return 'metadata.sourcePosition is missing or malformed';
  if (operation === 'delete') return e.data === null ? null : 'data must be null on a delete';
  const data = events.data.safeParse(e.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    return `data.${issue.path.join('.')} is invalid: ${issue.message}`;
  }
  if ((e.data as Record<string, unknown>).id !== e.aggregateId) return 'data.id differs from aggregateId';
  return null;
}
