import {
  ENTITY_EVENTS,
  ENTITY_TOPICS,
  EventHeaders,
  MIGRATION_EVENT_NAMESPACE,
  uuidV5,
  type EventEnvelope,
} from '@mch/contracts';
import { ENTITY_SOURCES } from '../mapping/entity-sources';
import { mapRow } from '../mapping/row-mapper';
import type { ChangeRecord, MigrationRunInfo } from './change-record';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  eventId: string;
}

/**
 * The event id depends only on the row version (entity, id, position, operation): replaying or
 * resuming produces the same id, so consumers can drop duplicates by it.
 */
export function migrationEventId(change: Pick<ChangeRecord, 'entity' | 'key' | 'position' | 'operation'>): string {
  return uuidV5(`${change.entity}|${change.key}|${change.position}|${change.operation}`, MIGRATION_EVENT_NAMESPACE);
}

/** Maps and wraps one change; throws a DomainException naming entity, id and field when it cannot. */
export function buildMessage(change: ChangeRecord, run: MigrationRunInfo, now: Date = new Date()): OutgoingMessage {
  const events = ENTITY_EVENTS[change.entity];
  const data = change.row === null ? null : mapRow(ENTITY_SOURCES[change.entity], change.row);
  const eventId = migrationEventId(change);
  const envelope: EventEnvelope = {
    eventId,
    eventType: events.eventTypes[change.operation],
    aggregateId: change.key,
    aggregateType: events.aggregateType,
    timestamp: now.toISOString(),
    data,
    metadata: {
      correlationId: run.correlationId,
      causationId: null,
      source: 'postgresql',
      schemaVersion: '1.0',
      migrationId: run.migrationId,
      migrationRun: run.migrationRun,
      sourcePosition: change.position,
      operation: change.operation,
    },
  };
  return {
    topic: `${run.topicPrefix ?? ''}${ENTITY_TOPICS[change.entity].name}`,
    key: change.key,
    value: JSON.stringify(envelope),
    eventId,
    headers: {
      [EventHeaders.eventType]: envelope.eventType,
      [EventHeaders.eventId]: eventId,
      [EventHeaders.aggregateType]: events.aggregateType,
      [EventHeaders.correlationId]: run.correlationId,
      [EventHeaders.causationId]: eventId,
      [EventHeaders.migrationId]: run.migrationId,
    },
  };
}
