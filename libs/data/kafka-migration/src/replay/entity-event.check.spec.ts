import { entityEventProblem } from './entity-event.check';

const ID = '3f2b8c1d-4e5a-4b6c-8d7e-9f0a1b2c3d4e';

function event(patch: Record<string, unknown> = {}, dataPatch: Record<string, unknown> = {}) {
  return {
    eventId: '1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b',
    eventType: 'CompanyMigrated',
    aggregateId: ID,
    aggregateType: 'Company',
    timestamp: '2026-03-01T00:00:00.000Z',
    data: {
      id: ID,
      name: 'Acme Medical',
      dunsNumber: null,
      cageCode: null,
      city: null,
      state: null,
      certifications: null,
      naicsCodes: null,
      subscriptionPlan: 'pro',
      samRegistrationDate: null,
      samExpirationDate: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      ...dataPatch,
    },
    metadata: {
      correlationId: '2c3d4e5f-6071-4829-9bac-1d2e3f4a5b6c',
      causationId: null,
      source: 'postgresql',
      schemaVersion: '1.0',
      sourcePosition: 'lsn:00000000016b3a10',
      operation: 'snapshot',
    },
    ...patch,
  };
}

describe('which original messages a replay may republish', () => {
  it('accepts a valid event of the entity', () => {
    expect(entityEventProblem('company', ID, JSON.stringify(event()))).toBeNull();
  });

  it.each([
    ['not JSON', '{nope', /not JSON/],
    ['an unknown event type', JSON.stringify(event({ eventType: 'CompanyMangled' })), /eventType 'CompanyMangled' is not an event of Company/],
    ['another aggregate', JSON.stringify(event({ aggregateType: 'Proposal' })), /aggregateType is 'Proposal'/],
    ['a data schema violation', JSON.stringify(event({}, { subscriptionPlan: 'gold' })), /data\.subscriptionPlan is invalid/],
    ['a missing position', JSON.stringify(event({ metadata: { ...event().metadata, sourcePosition: undefined } })), /sourcePosition/],
    ['a tombstone', null, /tombstone/],
  ])('refuses %s, naming why', (_what, value, why) => {
    expect(entityEventProblem('company', ID, value)).toMatch(why);
  });

  it('refuses a key that differs from the aggregate id', () => {
    expect(entityEventProblem('company', ID.toUpperCase(), JSON.stringify(event()))).toMatch(/key .* differs from aggregateId/);
  });
});
