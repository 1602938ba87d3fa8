import { DomainException } from '@mch/util-errors';
import { exactTimestampText, fromPgText, parsePgArray } from './pg-text.converter';

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

  it('keeps numeric exact as PostgreSQL prints it, NaN and ±Infinity included, and refuses anything else naming entity, id and field', () => {
    for (const text of ['9999999999999.99', '-0.50', '12345678901234567890.123456789', 'NaN', 'Infinity', '-Infinity'])
      expect(fromPgText('numeric', text, ctx)).toBe(text);
    const error = errorOf(() => fromPgText('numeric', 'nan', { ...ctx, field: 'awardAmount' }));
    expect(error.message).toBe("opportunity o1: field awardAmount is not a numeric value: 'nan'");
    expect(error.details).toEqual({ entity: 'opportunity', id: 'o1', field: 'awardAmount' });
    expect(() => fromPgText('numeric', '1e5', ctx)).toThrow('is not a numeric value');
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
    expect(parsePgArray('[0:1]={a,"b c"}', ctx)).toEqual(['a', 'b c']);
    expect(() => parsePgArray('[1, 2]', ctx)).toThrow('is not a list of strings');
    expect(() => parsePgArray('[x', ctx)).toThrow('is not an array literal');
  });

  it('keeps jsonb numbers as PostgreSQL prints them where a double would change them, and plain numbers as numbers', () => {
    const text = `{"a": 1.50, "b": 12345678901234567890123, "c": 0.0000001, "d": [1, 2.5, "x.10"], "e": 1${'0'.repeat(400)}, "f": 0.1}`;
    const value = fromPgText('jsonb', text, ctx) as Record<string, unknown>;
    expect(JSON.stringify(value)).toBe(text.replace(/: /g, ':').replace(/, /g, ','));
    expect([value.d, value.f]).toEqual([[1, 2.5, 'x.10'], 0.1]);
    expect(JSON.parse(JSON.stringify(value)).a).toBe(1.5);
    // Without any such number, plain JSON.parse: nothing else changes.
    expect(fromPgText('jsonb', '{"n": 12, "s": "t"}', ctx)).toEqual({ n: 12, s: 't' });
    expect(JSON.stringify(fromPgText('jsonb', '1.50', ctx))).toBe('1.50');
    expect(JSON.stringify(fromPgText('jsonb', '{"at": "05.120Z", "lsn": "lsn:0000000001634080"}', ctx))).toBe('{"at":"05.120Z","lsn":"lsn:0000000001634080"}');
  });

  it('lower-cases UUIDs and refuses malformed ones', () => {
    expect(fromPgText('uuid', 'ABCDEF01-2345-4678-9ABC-DEF012345678', ctx)).toBe('abcdef01-2345-4678-9abc-def012345678');
    expect(() => fromPgText('uuid', 'nope', ctx)).toThrow('is not a UUID');
  });
});

describe('fromPgText timestamptz: the exact forms of the event contract', () => {
  const ctx = { entity: 'opportunity', id: 'x', field: 'created_at' };
  const ts = (text: string) => fromPgText('timestamptz', text, ctx);

  it('keeps milliseconds as .mmm and sub-millisecond digits as .ffffff', () => {
    expect(ts('2026-01-02 03:04:05+00')).toBe('2026-01-02T03:04:05.000Z');
    expect(ts('2026-01-02 03:04:05.5+00')).toBe('2026-01-02T03:04:05.500Z');
    expect(ts('2026-01-02 03:04:05.678+00')).toBe('2026-01-02T03:04:05.678Z');
    expect(ts('2026-01-02 03:04:05.6781+00')).toBe('2026-01-02T03:04:05.678100Z');
    expect(ts('2026-01-02 03:04:05.000001+00')).toBe('2026-01-02T03:04:05.000001Z');
    expect(ts('1969-12-31 23:59:59.999999+00')).toBe('1969-12-31T23:59:59.999999Z');
    expect(ts('2026-01-02T03:04:05.678+00:00')).toBe('2026-01-02T03:04:05.678Z');
    expect(ts('2026-01-02T03:04:05.123456+00:00')).toBe('2026-01-02T03:04:05.123456Z');
  });

  it('gives years outside 0000-9999 and BC dates in the expanded form Date#toISOString prints', () => {
    expect(ts('0001-01-01 00:00:00+00')).toBe('0001-01-01T00:00:00.000Z');
    expect(ts('9999-12-31 23:59:59.999999+00')).toBe('9999-12-31T23:59:59.999999Z');
    expect(ts('10000-01-01 00:00:00+00')).toBe('+010000-01-01T00:00:00.000Z');
    expect(ts('294276-12-31 23:59:59.999999+00')).toBe('+294276-12-31T23:59:59.999999Z');
    expect(ts('0001-12-31 23:59:59.5+00 BC')).toBe('0000-12-31T23:59:59.500Z');
    expect(ts('0044-03-15 00:00:00+00 BC')).toBe('-000043-03-15T00:00:00.000Z');
    expect(ts('0044-03-15T00:00:00.000001+00:00 BC')).toBe('-000043-03-15T00:00:00.000001Z');
    expect(ts('4713-01-01 00:00:00+00 BC')).toBe('-004712-01-01T00:00:00.000Z');
    // Where Date can print them, they are Date's own text.
    for (const text of ['0044-03-15 00:00:00+00 BC', '10000-01-01 00:00:00+00', '0001-01-01 00:00:00+00 BC'])
      expect(new Date(ts(text) as string).toISOString()).toBe(ts(text));
  });

  it('carries infinity and -infinity as PostgreSQL names them', () => {
    expect(ts('infinity')).toBe('infinity');
    expect(ts('-infinity')).toBe('-infinity');
  });

  it('converts any session offset exactly, to the microsecond, across day, year and era boundaries', () => {
    expect(ts('2026-01-02 03:04:05.678+02')).toBe('2026-01-02T01:04:05.678Z');
    expect(ts('2026-06-01 17:30:00.123456+05:30')).toBe('2026-06-01T12:00:00.123456Z');
    expect(ts('1900-01-01 00:19:32.000001+00:19:32')).toBe('1900-01-01T00:00:00.000001Z');
    expect(ts('2025-12-31 20:00:00.000001-05')).toBe('2026-01-01T01:00:00.000001Z');
    expect(ts('0001-01-01 00:30:00+01 BC')).toBe('-000001-12-31T23:30:00.000Z');
    expect(ts('0044-03-15 01:02:03.5+00:19:32 BC')).toBe('-000043-03-15T00:42:31.500Z');
  });

  // The fast path trusts PostgreSQL's day of month (it checks ranges only); the other forms check it.
  it('refuses what is no timestamp, naming entity, id and field', () => {
    for (const text of ['2026-13-02 03:04:05+00', '2026-02-29T00:00:00+00:00', '2026-01-02 24:00:00+00', '2026-01-02 03:04:05', '0000-01-01 00:00:00+00 BC', 'Infinity', 'soon'])
      expect(() => ts(text)).toThrow(`opportunity x: field created_at is not a timestamp: '${text}'`);
    expect(ts('2024-02-29 00:00:00+00')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('fast path and exact path agree, and both agree with Date wherever Date can hold the value', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5_000; i++) {
      const ms = Math.floor(random() * Date.UTC(9999, 0, 1)) - Date.UTC(900, 0, 1) * (random() < 0.1 ? -1 : 0);
      const iso = new Date(ms).toISOString();
      const micros = String(Math.floor(random() * 1_000_000)).padStart(6, '0');
      const digits = [0, 1, 2, 3, 6][i % 5];
      const fraction = digits ? `.${micros.slice(0, digits)}` : '';
      const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction}+00`;
      const expected = exactTimestampText(text.replace(' ', 'T').replace(/\+00$/, '+00:00'));
      expect(ts(text)).toBe(expected);
      if (digits <= 3) expect(expected).toBe(new Date(text.replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString());
    }
  });
});
