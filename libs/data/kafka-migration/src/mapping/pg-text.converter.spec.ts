import { DomainException } from '@mch/util-errors';
import { fromPgText, parsePgArray } from './pg-text.converter';

const ctx = { entity: 'opportunity', id: 'o1', field: 'f' };

function errorOf(fn: () => unknown): DomainException {
  try {
    fn();
  } catch (e) {
    return e as DomainException;
  }
  throw new Error('expected an error');
}

describe('fromPgText', () => {
  it('converts timestamps from the text and the jsonb output forms to ISO UTC', () => {
    expect(fromPgText('timestamptz', '2026-01-02 03:04:05.678+00', ctx)).toBe('2026-01-02T03:04:05.678Z');
    expect(fromPgText('timestamptz', '2026-01-02T03:04:05.678+00:00', ctx)).toBe('2026-01-02T03:04:05.678Z');
  });

  it('keeps numeric exact as a decimal string and refuses NaN naming entity, id and field', () => {
    expect(fromPgText('numeric', '9999999999999.99', ctx)).toBe('9999999999999.99');
    const error = errorOf(() => fromPgText('numeric', 'NaN', { ...ctx, field: 'awardAmount' }));
    expect(error.message).toBe("opportunity o1: field awardAmount is not a finite decimal: 'NaN'");
    expect(error.details).toEqual({ entity: 'opportunity', id: 'o1', field: 'awardAmount' });
  });

  it('refuses a NUL character in text', () => {
    expect(() => fromPgText('text', 'a\u0000b', ctx)).toThrow('contains a NUL character');
  });

  it('refuses an integer outside the safe range', () => {
    expect(() => fromPgText('int', '9223372036854775807', ctx)).toThrow('is not an integer in range');
  });

  it('reads booleans in both forms, and arrays as literals and as JSON', () => {
    expect([fromPgText('bool', 't', ctx), fromPgText('bool', 'false', ctx)]).toEqual([true, false]);
    expect(parsePgArray('{sdvosb,"a, \\"b\\"",NULL}', ctx)).toEqual(['sdvosb', 'a, "b"', null]);
    expect(parsePgArray('{}', ctx)).toEqual([]);
    expect(parsePgArray('["x","y"]', ctx)).toEqual(['x', 'y']);
  });

  it('lower-cases UUIDs and refuses malformed ones', () => {
    expect(fromPgText('uuid', 'ABCDEF01-2345-4678-9ABC-DEF012345678', ctx)).toBe('abcdef01-2345-4678-9abc-def012345678');
    expect(() => fromPgText('uuid', 'nope', ctx)).toThrow('is not a UUID');
  });
});
