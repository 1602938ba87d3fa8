import type { KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import {
  ENTITY_EVENTS,
  contractDocumentDataSchema,
  eventEnvelopeSchema,
  opportunityDataSchema,
  type ContractDocumentData,
  type OpportunityData,
} from '@mch/contracts';
import type { MessageDecoder } from '@mch/data-consumer-loop';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { IndexEvent, IndexedEntity } from './index-event';

const POSITION = /^(lsn|seq):[0-9a-f]{16}$/;

function invalid(entity: IndexedEntity, id: string, field: string, why: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, `${entity} ${id}: field ${field} ${why}`, { entity, id, field });
}

function firstIssue(error: z.ZodError, prefix: string): { field: string; message: string } {
  const issue = error.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return { field: path || '(value)', message: issue.message };
}

/**
 * Decodes the entity topics' messages into index events, or throws a DomainException naming
 * entity, id and field (the consumer loop dead-letters it and carries on). Everything the sink
 * relies on is checked here: the envelope, the entity's data schema, the event type, the id
 * agreeing between key, envelope and data, and a well-formed source position to order versions.
 */
export function indexEventDecoder(topics: Record<IndexedEntity, string>): MessageDecoder<IndexEvent> {
  const entityOfTopic = new Map<string, IndexedEntity>(
    (Object.entries(topics) as [IndexedEntity, string][]).map(([entity, topic]) => [topic, entity]),
  );
  return (message: KafkaMessage, topic: string) => {
    const entity = entityOfTopic.get(topic);
    const key = message.key?.toString() ?? null;
    if (!entity) throw new DomainException(ErrorCode.ValidationFailed, `topic ${topic} is not indexed`, { entity: 'unknown', id: key ?? 'unknown' });
    const keyId = key ?? 'unknown';
    let json: unknown;
    try {
      json = JSON.parse(message.value?.toString() ?? '');
    } catch {
      throw invalid(entity, keyId, '(value)', 'is not a JSON event envelope');
    }
    const envelope = eventEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      const rawId = (json as { aggregateId?: unknown } | null)?.aggregateId;
      const { field, message: why } = firstIssue(envelope.error, '');
      throw invalid(entity, typeof rawId === 'string' ? rawId : keyId, field, `is invalid: ${why}`);
    }
    const e = envelope.data;
    const id = e.aggregateId;
    const events = ENTITY_EVENTS[entity];
    if (e.aggregateType !== events.aggregateType) throw invalid(entity, id, 'aggregateType', `is ${e.aggregateType}, expected ${events.aggregateType}`);
    const operation = (Object.entries(events.eventTypes) as [string, string][]).find(([, type]) => type === e.eventType)?.[0];
    if (!operation) throw invalid(entity, id, 'eventType', `'${e.eventType}' is not an event of ${events.aggregateType}`);
    if (key !== null && key !== id) throw invalid(entity, id, '(key)', `'${key}' differs from aggregateId`);
    const position = e.metadata.sourcePosition;
    if (!position || !POSITION.test(position)) {
      throw invalid(entity, id, 'metadata.sourcePosition', `is ${position ? `'${position}'` : 'missing'}; expected lsn:<16 hex> or seq:<16 hex>`);
    }
    const deleted = operation === 'delete';
    let data: OpportunityData | ContractDocumentData | null = null;
    if (deleted) {
      if (e.data !== null) throw invalid(entity, id, 'data', 'must be null on a delete event');
    } else {
      const schema = entity === 'opportunity' ? opportunityDataSchema : contractDocumentDataSchema;
      const parsed = schema.safeParse(e.data);
      if (!parsed.success) {
        const { field, message: why } = firstIssue(parsed.error, 'data');
        throw invalid(entity, id, field, `is invalid: ${why}`);
      }
      data = parsed.data;
      if (data.id !== id) throw invalid(entity, id, 'data.id', `'${data.id}' differs from aggregateId`);
    }
    const value = { ...e, data, entity, position, deleted } as IndexEvent;
    return { value, entityType: entity, entityId: id };
  };
}
