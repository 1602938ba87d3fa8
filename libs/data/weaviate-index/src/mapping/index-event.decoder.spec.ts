import type { KafkaMessage } from 'kafkajs';
import { DomainException } from '@mch/util-errors';
import { envelopeMessage, indexEnvelope } from '../testing/monolith-events';
import { sampleDocument, sampleOpportunity } from '../testing/sample-data';
import { indexEventDecoder } from './index-event.decoder';

const topics = { opportunity: 'opps', contract_document: 'docs' };
const decode = indexEventDecoder(topics);
const id = '1c7f1a3e-5b2d-4c8e-9f01-23456789abcd';

function message(value: unknown, key: string | null = id): KafkaMessage {
  return {
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: {},
    timestamp: '0',
    attributes: 0,
    offset: '0',
  };
}

function errorOf(fn: () => unknown): DomainException {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('expected a DomainException');
}

const valid = () => indexEnvelope('opportunity', id, sampleOpportunity(id), { operation: 'snapshot', position: 16, migrationRun: 'run-1' });

describe('indexEventDecoder', () => {
  it('decodes a migrated opportunity into an index event that is still its envelope', () => {
    const envelope = valid();
    const { value, entityType, entityId } = decode(message(envelope), 'opps');
    expect(entityType).toBe('opportunity');
    expect(entityId).toBe(id);
    expect(value).toMatchObject({ entity: 'opportunity', position: 'lsn:0000000000000010', deleted: false, aggregateId: id });
    expect(value.data).toEqual(sampleOpportunity(id));
    expect(value.metadata.migrationRun).toBe('run-1');
  });

  it('decodes a delete (data null) and a contract document', () => {
    const del = decode(message(indexEnvelope('opportunity', id, null, { operation: 'delete', position: 17 })), 'opps').value;
    expect(del).toMatchObject({ deleted: true, data: null });
    const docId = '2d8e2b4f-6c3e-4d9f-8a12-3456789abcde';
    const doc = decode(message(indexEnvelope('contract_document', docId, sampleDocument(docId, id), { operation: 'insert', position: 3 }), docId), 'docs');
    expect(doc.value).toMatchObject({ entity: 'contract_document', aggregateId: docId, deleted: false });
  });

  it('names entity, id and field when a data field is invalid', () => {
    const envelope = valid();
    (envelope.data as Record<string, unknown>).postedDate = 'yesterday';
    const error = errorOf(() => decode(message(envelope), 'opps'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toMatchObject({ entity: 'opportunity', id, field: 'data.postedDate' });
    expect(error.message).toMatch(new RegExp(`^opportunity ${id}: field data.postedDate is invalid`));
  });

  it('names a missing data field', () => {
    const envelope = valid();
    delete (envelope.data as Record<string, unknown>).title;
    expect(errorOf(() => decode(message(envelope), 'opps')).details.field).toBe('data.title');
  });

  it('rejects a value that is not JSON, naming the key as id', () => {
    const error = errorOf(() => decode(message('{not json'), 'opps'));
    expect(error.message).toBe(`opportunity ${id}: field (value) is not a JSON event envelope`);
  });

  it('requires a well-formed source position, since versions are ordered by it', () => {
    const envelope = valid();
    envelope.metadata.sourcePosition = null;
    expect(errorOf(() => decode(message(envelope), 'opps')).message).toMatch(/field metadata.sourcePosition is missing/);
    envelope.metadata.sourcePosition = 'lsn:10';
    expect(errorOf(() => decode(message(envelope), 'opps')).details.field).toBe('metadata.sourcePosition');
  });

  it('rejects an event type of another entity and ids that disagree', () => {
    const envelope = valid();
    expect(errorOf(() => decode(message({ ...envelope, eventType: 'ProposalCreated' }), 'opps')).details.field).toBe('eventType');
    const other = '9d8e2b4f-6c3e-4d9f-8a12-3456789abcde';
    expect(errorOf(() => decode(message(envelope, other), 'opps')).details.field).toBe('(key)');
    expect(errorOf(() => decode(message({ ...envelope, data: { ...envelope.data, id: other } }), 'opps')).details.field).toBe('data.id');
    expect(errorOf(() => decode(message({ ...envelope, data: sampleOpportunity(id) }), 'docs')).details.field).toBe('aggregateType');
  });

  it('rejects data on a delete event', () => {
    const envelope = indexEnvelope('opportunity', id, null, { operation: 'delete', position: 1 });
    expect(errorOf(() => decode(message({ ...envelope, data: sampleOpportunity(id) }), 'opps')).details.field).toBe('data');
  });

  it('keeps the envelope fields so a dead-lettered record can be re-published', () => {
    const envelope = valid();
    const { value } = decode(message(envelopeMessage(envelope).value), 'opps');
    expect(JSON.parse(JSON.stringify(value))).toMatchObject(envelope);
  });
});
