import { eventEnvelopeSchema } from './event-envelope';

const valid = {
  eventId: '7b0e2a64-8f0c-4d3e-9a55-2f1c8b9d0e11',
  eventType: 'OpportunityMigrated',
  aggregateId: '1c7f1a3e-5b2d-4c8e-9f01-23456789abcd',
  aggregateType: 'Opportunity',
  timestamp: '2026-11-25T10:00:00.000Z',
  data: { noticeId: 'VA-26-00001' },
  metadata: {
    correlationId: '0d9c7a52-3c1e-4c59-9d8e-2f6b1b0c9e11',
    causationId: null,
    source: 'postgresql',
    schemaVersion: '1.0',
  },
};

describe('eventEnvelopeSchema', () => {
  it('accepts the canonical envelope', () => {
    expect(eventEnvelopeSchema.parse(valid)).toEqual(valid);
  });

  it('names the field that is wrong', () => {
    const result = eventEnvelopeSchema.safeParse({ ...valid, aggregateId: 'not-a-uuid' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['aggregateId']);
  });

  it('rejects the old eventData spelling instead of silently dropping the payload', () => {
    const { data: _data, ...rest } = valid;
    const result = eventEnvelopeSchema.safeParse({ ...rest, eventData: { x: 1 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('data');
  });
});
