import { parseAppendRequest } from './append-request.schema';

const id = '1c7f1a3e-5b2d-4c8e-9f01-23456789abcd';

describe('parseAppendRequest', () => {
  it('accepts a well-formed append', () => {
    const request = parseAppendRequest(id, {
      aggregateType: 'Opportunity',
      expectedVersion: 0,
      events: [{ eventType: 'OpportunityCreated', data: { title: 't' } }],
    });
    expect(request).toMatchObject({ aggregateId: id, expectedVersion: 0 });
  });

  it('names the stream and the field that is wrong', () => {
    expect(() => parseAppendRequest(id, { aggregateType: 'Opportunity', expectedVersion: -1, events: [] })).toThrow(
      `invalid append to stream ${id}: expectedVersion`,
    );
  });

  it('rejects a stream id that is not a UUID', () => {
    expect(() => parseAppendRequest('42', {})).toThrow("aggregate id '42' is not a UUID");
  });
});
