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

describe('fromPgText timestamptz fast path', () => {
  const ctx = { entity: 'opportunity', id: 'x', field: 'created_at' };
  it('gives exactly what the Date path gives for PostgreSQL UTC output, over many random instants', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5_000; i++) {
      const ms = Math.floor(random() * Date.UTC(2200, 0, 1)) - Date.UTC(900, 0, 1) * (random() < 0.1 ? -1 : 0);
      const iso = new Date(ms).toISOString();
      const micros = String(Math.floor(random() * 1_000_000)).padStart(6, '0');
      const digits = [0, 1, 2, 3, 6][i % 5];
      const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${digits ? `.${micros.slice(0, digits)}` : ''}+00`;
      const viaDate = new Date(text.replace(' ', 'T').replace(/\+00$/, '+00:00')).toISOString();
      expect(fromPgText('timestamptz', text, ctx)).toBe(viaDate);
    }
  });

  it('leaves other forms to the Date path', () => {
    expect(fromPgText('timestamptz', '2026-01-02 03:04:05.678+02', ctx)).toBe('2026-01-02T01:04:05.678Z');
    expect(fromPgText('timestamptz', '0999-01-02 03:04:05+00', ctx)).toBe('0999-01-02T03:04:05.000Z');
    expect(() => fromPgText('timestamptz', '2026-13-02 03:04:05+00', ctx)).toThrow('is not a representable timestamp');
  });
});
