import { createHash } from 'node:crypto';
import { ENTITY_EVENTS, ENTITY_TOPICS, formatSourcePosition, type ChangeOperation, type EventEnvelope, type MigratedEntity } from '@mch/contracts';
import type { ConsumedRecord } from '@mch/data-consumer-loop';

export const CORRELATION_ID = '0d9c5e1a-3b7f-4c2d-8e6a-1f2b3c4d5e6f';

/** A stable UUID for a test label, so expectations can name ids. */
export function testId(label: string): string {
  const hex = createHash('sha1').update(label).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function opportunityData(id: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    noticeId: `N-${id.slice(0, 8)}`,
    title: 'Surgical instruments for VA medical centers',
    description: null,
    agency: 'VETERANS AFFAIRS, DEPARTMENT OF',
    subAgency: null,
    office: null,
    noticeType: 'Solicitation',
    baseType: 'Solicitation',
    naicsCode: '339112',
    naicsDescription: null,
    setAsideType: null,
    contractType: null,
    classificationCode: null,
    status: 'awarded',
    solicitationNumber: null,
    postedDate: '2025-03-01T14:00:00.000Z',
    responseDeadline: '2025-04-01T21:00:00.000Z',
    archiveDate: null,
    awardDate: '2025-05-01T10:00:00.000Z',
    awardAmount: '100.00',
    estimatedValueMin: null,
    estimatedValueMax: null,
    awardeeName: null,
    placeOfPerformanceState: null,
    placeOfPerformanceCity: null,
    primaryContactName: null,
    primaryContactEmail: null,
    samUrl: null,
    syncVersion: 1,
    createdAt: '2025-03-01T15:00:00.000Z',
    updatedAt: '2025-03-02T15:00:00.000Z',
    ...patch,
  };
}

/** An entity event as the kafka-migrator writes it, at position `seq` (any operation). */
export function entityEvent(entity: MigratedEntity, id: string, seq: number, operation: ChangeOperation, data: Record<string, unknown> | null): EventEnvelope {
  const { aggregateType, eventTypes } = ENTITY_EVENTS[entity];
  const position = formatSourcePosition('lsn', BigInt(seq));
  return {
    eventId: testId(`${entity}|${id}|${position}|${operation}`),
    eventType: eventTypes[operation],
    aggregateId: id,
    aggregateType,
    timestamp: '2026-01-01T00:00:00.000Z',
    data: operation === 'delete' ? null : data,
    metadata: { correlationId: CORRELATION_ID, causationId: null, source: 'postgresql', schemaVersion: '1.0', sourcePosition: position, operation },
  };
}

/** The event as the consumer loop hands it to a sink. */
export function consumed(envelope: EventEnvelope, entity: MigratedEntity = 'opportunity', offset = 0): ConsumedRecord<EventEnvelope> {
  return { topic: ENTITY_TOPICS[entity].name, partition: 0, offset: String(offset), key: envelope.aggregateId, value: envelope, headers: {} };
}
