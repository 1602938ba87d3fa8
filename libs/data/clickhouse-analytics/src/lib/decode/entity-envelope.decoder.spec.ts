import { DomainException } from '@mch/util-errors';
import { decodeEntityEnvelope } from './entity-envelope.decoder';

const id = '5b0b6c1e-8a4f-4d7e-9a39-0c5a1f3d2e10';
const envelope = (patch: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
  JSON.stringify({
    eventId: '9e2d4a71-0f3b-4b8e-8c65-7d1a2b3c4d5e',
    eventType: 'UsageRecordUpdated',
    aggregateId: id,
    aggregateType: 'UsageRecord',
    timestamp: '2026-01-02T03:04:05.000Z',
    data: { id },
    metadata: { correlationId: id, causationId: null, source: 'postgresql', schemaVersion: '1.0', sourcePosition: 'lsn:0000000001a2b3c4', operation: 'update', ...metadata },
    ...patch,
  });

function failure(raw: string | null, key: string | null = id): DomainException {
  try {
    decodeEntityEnvelope('usage_record', key, raw);
  } catch (error) {
    return error as DomainException;
  }
  throw new Error('expected a failure');
}

describe('decodeEntityEnvelope', () => {
  it('accepts an entity event and a delete with null data', () => {
    expect(decodeEntityEnvelope('usage_record', id, envelope()).aggregateId).toBe(id);
    expect(decodeEntityEnvelope('usage_record', id, envelope({ eventType: 'UsageRecordDeleted', data: null }, { operation: 'delete' })).data).toBeNull();
  });

  it('names entity, id and field of what is wrong', () => {
    const error = failure(envelope({}, { sourcePosition: 'lsn:12' }));
    expect(error.message).toBe(`usage_record ${id}: metadata.sourcePosition is not 'lsn:<16 hex>' or 'seq:<16 hex>': "lsn:12"`);
    expect(error.details).toEqual({ entity: 'UsageRecord', id, field: 'metadata.sourcePosition' });
    expect(failure('{not json').details.field).toBe('value');
    expect(failure(envelope({ aggregateId: 'nope' }), null).details.field).toBe('aggregateId');
    expect(failure(envelope({ eventType: 'UsageRecordCreated' })).details.field).toBe('eventType');
    expect(failure(envelope({ data: null })).details.field).toBe('data');
    expect(failure(envelope({}), '9e2d4a71-0f3b-4b8e-8c65-7d1a2b3c4d5e').details.field).toBe('key');
  });
});
