import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { isDomainException } from '@mch/util-errors';
import { parseAppendRequest } from './append-request.schema';
import { MAX_JSON_DEPTH } from './stored-json';

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
    expect(() =>
      parseAppendRequest(id, { aggregateType: 'Opportunity', expectedVersion: -1, events: [] }),
    ).toThrow(`invalid append to stream ${id}: expectedVersion`);
  });

  it('rejects a stream id that is not a UUID', () => {
    expect(() => parseAppendRequest('42', {})).toThrow("aggregate id '42' is not a UUID");
  });
});

describe('parseAppendRequest refuses what the store cannot hold, naming the field path and limit', () => {
  const append = (data: unknown, extra: Record<string, unknown> = {}) => ({
    aggregateType: 'Opportunity',
    expectedVersion: 'any',
    events: [{ eventType: 'OpportunityUpdated', data }],
    ...extra,
  });
  const failure = (body: unknown, streamId = id) => {
    try {
      parseAppendRequest(streamId, body);
    } catch (error) {
      if (!isDomainException(error)) throw error;
      return { code: error.code, details: error.details };
    }
    throw new Error('accepted');
  };

  it.each([
    ['\\u0000 in a value', { title: 'a\u0000b' }, 'events.0.data.title', 'no \\u0000'],
    ['\\u0000 in a key', { ['ti\u0000tle']: 1 }, 'events.0.data.ti\u0000tle', 'no \\u0000'],
    ['a lone surrogate', { lines: ['ok', 'x\ud800'] }, 'events.0.data.lines.1', 'valid Unicode'],
    [
      'a non-finite number (JSON 1e400)',
      { amount: Number.POSITIVE_INFINITY },
      'events.0.data.amount',
      'finite number',
    ],
    [
      'nesting over the limit',
      { deep: Array.from({ length: MAX_JSON_DEPTH + 5 }).reduce((v: unknown) => [v], 1) },
      'events.0.data.deep',
      MAX_JSON_DEPTH,
    ],
  ])('%s', (_, data, field, limit) => {
    const { code, details } = failure(append(data));
    expect(code).toBe('VALIDATION_FAILED');
    expect(details).toMatchObject({ entity: 'stream', id, limit });
    expect(String(details.field)).toContain(field.split('.').slice(0, 4).join('.'));
  });

  it('refuses unknown fields and a body stream id that differs from the path', () => {
    expect(failure(append({}, { expectedVerison: 1 })).details).toMatchObject({
      field: 'expectedVerison',
      limit: 'no unknown fields',
    });
    expect(failure(append({}, { aggregateId: randomUUID() })).details).toMatchObject({
      field: 'aggregateId',
    });
    expect(parseAppendRequest(id, append({}, { aggregateId: id })).aggregateId).toBe(id);
  });

  it('keeps emoji, surrogate pairs and text near the limits', () => {
    expect(parseAppendRequest(id, append({ t: '😀 👩‍⚕️', n: -0.5 })).events[0].data).toEqual({
      t: '😀 👩‍⚕️',
      n: -0.5,
    });
  });

  it('never throws anything but VALIDATION_FAILED on any input (Kafka commands dead-letter on it)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              aggregateType: fc.anything(),
              expectedVersion: fc.anything(),
              events: fc.array(fc.record({ eventType: fc.string(), data: fc.anything() })),
            },
            { requiredKeys: [] },
          ),
        ),
        (body) => {
          try {
            parseAppendRequest(id, body);
          } catch (error) {
            expect(
              isDomainException(error) &&
                error.code === 'VALIDATION_FAILED' &&
                typeof error.details.field === 'string',
            ).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
