import {
  ENTITY_EVENTS,
  ENTITY_TOPICS,
  EventHeaders,
  MIGRATION_EVENT_NAMESPACE,
  formatSourcePosition,
  uuidV5,
  type ChangeOperation,
  type EventEnvelope,
  type MigratedEntity,
} from '@mch/contracts';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Reducer, StoredEvent } from './event-store.types';

/**
 * Which aggregate types the event store also relays, as entity states, to the entity topics the
 * analytics and search consumers read. An entity listed here has the event store as a writer of
 * its topic: list it only when its streams are the entity (the cut-over of that entity), not while
 * the monolith table alone owns it.
 */
export interface EntityProjectionOptions {
  entities: readonly MigratedEntity[];
  /** Prepended to the entity topic names (isolated environments, tests); empty in production. */
  topicPrefix: string;
}

/** One version of the entity after one appended event. */
export interface ProjectedVersion {
  event: StoredEvent;
  /** Index of the event in the append request, for error paths (`events.<i>.data.<field>`). */
  index: number;
  operation: Exclude<ChangeOperation, 'snapshot'>;
  /** The entity's whole state (the entity data schema's output), or null after a delete. */
  state: Record<string, unknown> | null;
}

export function entityOfAggregateType(
  aggregateType: string,
  options: EntityProjectionOptions | null | undefined,
): MigratedEntity | undefined {
  return options?.entities.find((entity) => ENTITY_EVENTS[entity].aggregateType === aggregateType);
}

/**
 * The entity message's event id: derived from the event-store event it projects, so every copy a
 * relay republishes after a crash carries the same id and the consumers drop it.
 */
export function entityEventId(eventStoreEventId: string): string {
  return uuidV5(`event-store|entity-state|${eventStoreEventId}`, MIGRATION_EVENT_NAMESPACE);
}

export function entityTopic(entity: MigratedEntity, options: EntityProjectionOptions): string {
  return `${options.topicPrefix}${ENTITY_TOPICS[entity].name}`;
}

/**
 * Folds the appended events over the state before them and checks each resulting state is a
 * whole entity (the entity data schema), since the consumers store whole rows, not patches. The
 * id comes from the stream when the events do not carry it. Throws VALIDATION_FAILED naming
 * `events.<i>.data.<field>` otherwise, so nothing is appended.
 */
export function projectEvents(
  entity: MigratedEntity,
  before: Record<string, unknown> | null,
  events: readonly StoredEvent[],
  reducer: Reducer,
  topic: string,
): ProjectedVersion[] {
  const { aggregateType, data: schema } = ENTITY_EVENTS[entity];
  const versions: ProjectedVersion[] = [];
  let state = before;
  events.forEach((event, index) => {
    const existed = state !== null;
    const next = reducer(state, event);
    if (next === null) {
      versions.push({ event, index, operation: 'delete', state: null });
      state = null;
      return;
    }
    const candidate = next.id === undefined ? { ...next, id: event.aggregateId } : next;
    const fail = (field: string, why: string): never => {
      throw new DomainException(
        ErrorCode.ValidationFailed,
        `${aggregateType} ${event.aggregateId}: after events.${index} (${event.eventType}) the state is not a whole ${aggregateType}: ` +
          `${field} ${why}; events of this type are relayed as entity states to ${topic}, whose consumers store whole rows`,
        { entity: aggregateType, id: event.aggregateId, field: `events.${index}.data.${field}` },
      );
    };
    if (candidate.id !== event.aggregateId) fail('id', `is ${JSON.stringify(candidate.id)}, not the stream id`);
    const parsed = schema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(issue.path.map(String).join('.') || 'data', issue.message);
    }
    state = candidate;
    versions.push({
      event,
      index,
      operation: existed ? 'update' : 'insert',
      state: (parsed.data ?? candidate) as Record<string, unknown>,
    });
  });
  return versions;
}

/**
 * The entity topic's envelope for one projected version: the same shape the kafka-migrator
 * publishes (so the populator and the indexer read it unchanged), with the HTTP request's
 * correlation id and the event-store event as its cause. `position` orders it against the
 * migrator's versions of the same id (a WAL position of the same database).
 */
export function entityEnvelope(
  entity: MigratedEntity,
  version: ProjectedVersion,
  position: bigint,
): { envelope: EventEnvelope; headers: Record<string, string> } {
  const { event } = version;
  const events = ENTITY_EVENTS[entity];
  const eventId = entityEventId(event.eventId);
  const correlationId = event.correlationId as string;
  const envelope: EventEnvelope = {
    eventId,
    eventType: events.eventTypes[version.operation],
    aggregateId: event.aggregateId,
    aggregateType: events.aggregateType,
    eventVersion: event.eventVersion,
    timestamp: event.createdAt.toISOString(),
    data: version.state,
    metadata: {
      correlationId,
      causationId: event.eventId,
      source: 'event-store',
      schemaVersion: '1.0',
      migrationId: null,
      migrationRun: null,
      sourcePosition: formatSourcePosition('lsn', position),
      operation: version.operation,
      userId: event.userId,
    },
  };
  return {
    envelope,
    headers: {
      [EventHeaders.eventVersion]: String(event.eventVersion),
      ...(event.userId ? { [EventHeaders.userId]: event.userId } : {}),
    },
  };
}
