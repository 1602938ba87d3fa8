import type { KafkaMessage } from 'kafkajs';
import { DomainException } from '@mch/util-errors';
import { LEGACY_CAPABILITIES } from '../capabilities/analytics-capabilities';
import { toAnalyticsRow } from '../rows/analytics-row.converter';
import { OPPORTUNITY_EVENTS } from '../schema/analytics-tables';
import { entityEvent, opportunityData, testId } from '../../testing/event-factory';
import { analyticsRowDecoder } from './analytics-row.decoder';

const TOPIC = 'contracts.opportunities.events';
const decode = analyticsRowDecoder(new Map([[TOPIC, OPPORTUNITY_EVENTS]]), LEGACY_CAPABILITIES);

function message(value: unknown, key: string | null): KafkaMessage {
  return {
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    offset: '0',
    timestamp: '0',
    attributes: 0,
    headers: {},
  };
}

function failure(fn: () => unknown): DomainException {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('expected a DomainException');
}

describe('analyticsRowDecoder', () => {
  it('turns an opportunity event into its table line, the same the converter makes', () => {
    const id = testId('row-ok');
    const event = entityEvent('opportunity', id, 3, 'update', opportunityData(id, { awardAmount: '1234.50' }));
    const decoded = decode(message(event, id), TOPIC);
    const expected = toAnalyticsRow(OPPORTUNITY_EVENTS, { envelope: event, data: event.data }, LEGACY_CAPABILITIES);
    if (!expected.ok) throw new Error(expected.error.message);
    expect(decoded.value.line).toBe(expected.line);
    expect(decoded.value.table).toBe(OPPORTUNITY_EVENTS);
    expect(decoded.value.partition).toBe(String(event.data?.createdAt).slice(0, 7).replace('-', ''));
    expect(decoded.value.line).toContain('\t1234.5\t');
    expect(decoded).toMatchObject({ entityType: 'Opportunity', entityId: id });
  });

  it('keeps a row whose value the column cannot hold: NULL or clamped there, original text flagged', () => {
    const id = testId('row-1965');
    const event = entityEvent('opportunity', id, 1, 'snapshot', opportunityData(id, { postedDate: '1965-03-01T00:00:00.000Z', awardAmount: 'NaN' }));
    const decoded = decode(message(event, id), TOPIC);
    const fields = decoded.value.line.slice(0, -1).split('\t');
    expect(fields.slice(-2)).toEqual(['{"award_amount":"NaN","posted_date":"1965-03-01T00:00:00.000Z"}', "['award_amount','posted_date']"]);
    // In column order. posted_date is not nullable: clamped to 18.16's first second.
    expect(fields).toContain('1970-01-01 00:00:00');
  });

  it('refuses a value that breaks the schema, naming entity, id and field', () => {
    const id = testId('row-bad');
    const event = entityEvent('opportunity', id, 1, 'snapshot', opportunityData(id, { postedDate: '1965-03-01' }));
    const error = failure(() => decode(message(event, id), TOPIC));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual({ entity: 'Opportunity', id, field: 'posted_date' });
    expect(error.message).toBe(`opportunity ${id}: field posted_date is not an ISO-8601 timestamp: "1965-03-01"`);
  });

  it('passes on envelope errors and refuses topics without a table', () => {
    expect(failure(() => decode(message('{not json', 'k'), TOPIC)).details).toMatchObject({ field: 'value' });
    const id = testId('row-topic');
    const event = entityEvent('opportunity', id, 1, 'snapshot', opportunityData(id));
    const error = failure(() => decode(message(event, id), 'contracts.unknown.events'));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'topic' } });
  });
});
