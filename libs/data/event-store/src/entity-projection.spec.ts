import { randomUUID } from 'node:crypto';
import { DomainException } from '@mch/util-errors';
import { entityEnvelope, entityEventId, entityOfAggregateType, projectEvents } from './entity-projection';
import { documentReducer } from './reducers';
import type { StoredEvent } from './event-store.types';

const company = { name: 'Acme Medical', dunsNumber: null, cageCode: null, city: null, state: null, certifications: null, naicsCodes: null,
  subscriptionPlan: null, samRegistrationDate: null, samExpirationDate: null, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };

function event(aggregateId: string, eventType: string, data: Record<string, unknown>, version: number): StoredEvent {
  return { eventId: randomUUID(), globalPosition: String(version), aggregateId, aggregateType: 'Company', eventType, eventVersion: version, data, metadata: {},
    correlationId: randomUUID(), causationId: null, userId: null, transactionId: '1', createdAt: new Date('2026-01-02T00:00:00.000Z') };
}

describe('entity projection', () => {
  it('picks only the listed aggregate types', () => {
    expect(entityOfAggregateType('Company', { entities: ['company'], topicPrefix: '' })).toBe('company');
    expect(entityOfAggregateType('Company', { entities: ['opportunity'], topicPrefix: '' })).toBeUndefined();
    expect(entityOfAggregateType('Company', null)).toBeUndefined();
  });

  it('folds to insert, update and delete states, the id from the stream', () => {
    const id = randomUUID();
    const versions = projectEvents('company', null, [
      event(id, 'CompanyRegistered', company, 1),
      event(id, 'CompanyRenamed', { name: 'Acme Health' }, 2),
      event(id, 'CompanyDeleted', {}, 3),
    ], documentReducer, 't');
    expect(versions.map((v) => v.operation)).toEqual(['insert', 'update', 'delete']);
    expect(versions[1].state).toEqual({ ...company, id, name: 'Acme Health' });
    expect(versions[2].state).toBeNull();
  });

  it('names the field a state lacks, and the event index', () => {
    const id = randomUUID();
    const error = (() => {
      try {
        projectEvents('company', { ...company, id }, [event(id, 'CompanyRenamed', { name: 'x' }, 2), event(id, 'CompanyPlan', { subscriptionPlan: 'gold' }, 3)], documentReducer, 't');
      } catch (e) {
        return e;
      }
    })() as DomainException;
    expect(error).toBeInstanceOf(DomainException);
    expect(error.details).toMatchObject({ entity: 'Company', id, field: 'events.1.data.subscriptionPlan' });
  });

  it('gives each event-store event one stable entity event id and an lsn position', () => {
    const id = randomUUID();
    const [version] = projectEvents('company', null, [event(id, 'CompanyRegistered', company, 1)], documentReducer, 't');
    const { envelope } = entityEnvelope('company', version, 255n);
    expect(envelope.eventId).toBe(entityEventId(version.event.eventId));
    expect(entityEventId(version.event.eventId)).not.toBe(version.event.eventId);
    expect(envelope.metadata).toMatchObject({ sourcePosition: 'lsn:00000000000000ff', causationId: version.event.eventId, operation: 'insert' });
    expect(envelope.eventType).toBe('CompanyCreated');
  });
});
