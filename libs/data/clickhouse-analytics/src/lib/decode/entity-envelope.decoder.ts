import type { KafkaMessage } from 'kafkajs';
import { ENTITY_EVENTS, type ChangeOperation, type EventEnvelope, type MigratedEntity } from '@mch/contracts';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { MessageDecoder } from '@mch/data-consumer-loop';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POSITION = /^(lsn|seq):[0-9a-f]{16}$/;
const OPERATIONS: readonly ChangeOperation[] = ['snapshot', 'insert', 'update', 'delete'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks the envelope fields the analytics rows depend on (ids, event type, position, operation,
 * data presence) by hand rather than with the zod schemas: this runs for every message at
 * hundreds of thousands per second, and each stored data field is checked again, strictly, when
 * its column is encoded.
 */
export function decodeEntityEnvelope(entity: MigratedEntity, key: string | null, raw: string | null): EventEnvelope {
  const { aggregateType, eventTypes } = ENTITY_EVENTS[entity];
  let id = key ?? 'unknown';
  const fail = (field: string, why: string): never => {
    throw new DomainException(ErrorCode.ValidationFailed, `${entity} ${id}: ${field} ${why}`, { entity: aggregateType, id, field });
  };
  if (raw === null) return fail('value', 'is empty (a tombstone message, not an event)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return fail('value', `is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(parsed)) return fail('value', 'is not a JSON object');
  if (typeof parsed.aggregateId === 'string') id = parsed.aggregateId;
  if (typeof parsed.aggregateId !== 'string' || !UUID.test(parsed.aggregateId)) fail('aggregateId', `is not a UUID: ${JSON.stringify(parsed.aggregateId)}`);
  if (key !== null && key !== parsed.aggregateId) fail('key', `'${key}' differs from aggregateId`);
  if (typeof parsed.eventId !== 'string' || !UUID.test(parsed.eventId)) fail('eventId', `is not a UUID: ${JSON.stringify(parsed.eventId)}`);
  if (parsed.aggregateType !== aggregateType) fail('aggregateType', `is ${JSON.stringify(parsed.aggregateType)}, expected '${aggregateType}'`);
  if (typeof parsed.timestamp !== 'string') fail('timestamp', 'is missing');
  const metadata = parsed.metadata;
  if (!isObject(metadata)) return fail('metadata', 'is not an object');
  if (typeof metadata.correlationId !== 'string' || !UUID.test(metadata.correlationId)) fail('metadata.correlationId', 'is not a UUID');
  if (typeof metadata.sourcePosition !== 'string' || !POSITION.test(metadata.sourcePosition)) {
    fail('metadata.sourcePosition', `is not 'lsn:<16 hex>' or 'seq:<16 hex>': ${JSON.stringify(metadata.sourcePosition)}`);
  }
  const operation = metadata.operation as ChangeOperation;
  if (!OPERATIONS.includes(operation)) fail('metadata.operation', `is ${JSON.stringify(metadata.operation)}, not one of ${OPERATIONS.join(', ')}`);
  if (parsed.eventType !== eventTypes[operation]) fail('eventType', `is ${JSON.stringify(parsed.eventType)}, expected '${eventTypes[operation]}' for a ${operation}`);
  if (operation === 'delete') {
    if (parsed.data !== null) fail('data', 'must be null for a delete');
  } else {
    if (!isObject(parsed.data)) fail('data', 'is not an object');
    if ((parsed.data as Record<string, unknown>).id !== parsed.aggregateId) fail('data.id', 'differs from aggregateId');
  }
  return parsed as unknown as EventEnvelope;
}

/** The consumer loop's decoder for the entity topics given (topic name -> entity). */
export function entityEnvelopeDecoder(entityOfTopic: ReadonlyMap<string, MigratedEntity>): MessageDecoder<EventEnvelope> {
  return (message: KafkaMessage, topic: string) => {
    const entity = entityOfTopic.get(topic);
    if (!entity) throw new DomainException(ErrorCode.ValidationFailed, `topic ${topic} is not an entity topic of this consumer`, { field: 'topic' });
    const envelope = decodeEntityEnvelope(entity, message.key ? message.key.toString() : null, message.value ? message.value.toString() : null);
    return { value: envelope, entityType: envelope.aggregateType, entityId: envelope.aggregateId };
  };
}
