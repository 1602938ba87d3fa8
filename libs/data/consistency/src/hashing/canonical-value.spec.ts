import { parseJsonExact } from '@mch/data-kafka-migration';
import { canonicalText, encodeCanonical, normalizeDecimal, pgJsonbText } from './canonical-value';

describe('canonical field text', () => {
  it('drops insignificant decimal zeros, the way either ClickHouse version and PostgreSQL print them', () => {
    expect(['1234.50', '1234.5', '100.00', '100', '0.00', '-0.50', '10.05'].map(normalizeDecimal)).toEqual([
      '1234.5',
      '1234.5',
      '100',
      '100',
      '0',
      '-0.5',
      '10.05',
    ]);
    expect(canonicalText('numeric', '100.00')).toBe(canonicalText('numeric', '100'));
  });

  it("prints jsonb as PostgreSQL's jsonb::text: shorter keys first, then bytes; ', ' and ': ' separators", () => {
    expect(pgJsonbText({ bb: 1, a: [true, null, 'x"y'], ab: { z: 1.5 } })).toBe(
      '{"a": [true, null, "x\\"y"], "ab": {"z": 1.5}, "bb": 1}',
    );
    expect(pgJsonbText({ é: 1, z: 2 })).toBe('{"z": 2, "é": 1}');
  });

  it('gives timestamps as ISO-8601 UTC with milliseconds, from text or Date (as Weaviate returns them)', () => {
    expect(canonicalText('timestamptz', '2026-01-02T03:04:05.678Z')).toBe('2026-01-02T03:04:05.678Z');
    expect(canonicalText('timestamptz', new Date('2026-01-02T03:04:05.678Z'))).toBe(
      '2026-01-02T03:04:05.678Z',
    );
    expect(() => canonicalText('timestamptz', 'soon')).toThrow('not a timestamp');
  });

  it('gives timestamps in the exact forms: microseconds, expanded and BC years, infinity; from any offset or PostgreSQL form', () => {
    const cases: [unknown, string][] = [
      ['2026-01-02T03:04:05.678100Z', '2026-01-02T03:04:05.678100Z'],
      ['2026-01-02T03:04:05.6781Z', '2026-01-02T03:04:05.678100Z'],
      ['2026-01-02T03:04:05.678000Z', '2026-01-02T03:04:05.678Z'],
      ['2026-01-02T05:04:05.000001+02:00', '2026-01-02T03:04:05.000001Z'],
      ['1969-12-31 23:59:59.999999+00', '1969-12-31T23:59:59.999999Z'],
      ['0044-03-15 00:00:00+00 BC', '-000043-03-15T00:00:00.000Z'],
      ['-000043-03-15T00:00:00.000Z', '-000043-03-15T00:00:00.000Z'],
      ['+010000-01-01T00:00:00Z', '+010000-01-01T00:00:00.000Z'],
      [new Date('-000043-03-15T00:00:00.000Z'), '-000043-03-15T00:00:00.000Z'],
      ['infinity', 'infinity'],
      ['-infinity', '-infinity'],
    ];
    for (const [value, text] of cases) expect([value, canonicalText('timestamptz', value)]).toEqual([value, text]);
    expect(() => canonicalText('timestamptz', new Date(Number.NaN))).toThrow('not a timestamp');
  });

  it("prints jsonb numbers a double would change as written, as PostgreSQL's jsonb::text does", () => {
    const text = '{"a": 1.50, "b": 12345678901234567890123, "c": 0.0000001, "list": [1.0, 2]}';
    expect(canonicalText('jsonb', parseJsonExact(text))).toBe(text);
    expect(canonicalText('jsonb', JSON.parse(text))).not.toBe(text);
    expect(canonicalText('int', parseJsonExact('[12345678901234567890]') && (parseJsonExact('[12345678901234567890]') as unknown[])[0])).toBe('12345678901234567890');
  });

  it('keeps NaN and ±Infinity numerics by name', () => {
    expect(['NaN', 'Infinity', '-Infinity'].map((v) => canonicalText('numeric', v))).toEqual(['NaN', 'Infinity', '-Infinity']);
  });

  it('keeps NULL apart from every text, and lists apart from their joined elements', () => {
    expect(canonicalText('text', null)).toBeNull();
    expect(canonicalText('text', undefined)).toBeNull();
    expect(canonicalText('text[]', ['a', 'b'])).not.toBe(canonicalText('text[]', ['ab']));
    expect(canonicalText('text[]', [null])).not.toBe(canonicalText('text[]', ['N']));
    expect(canonicalText('bool', false)).toBe('false');
    expect(canonicalText('uuid', 'ABCDEF00-0000-4000-8000-000000000000')).toBe(
      'abcdef00-0000-4000-8000-000000000000',
    );
  });

  it('length-prefixes values by UTF-8 bytes, so no two field lists encode alike', () => {
    expect(encodeCanonical('é')).toBe('V2:é');
    expect(encodeCanonical(null)).toBe('N');
    expect(encodeCanonical('a') + encodeCanonical('bc')).not.toBe(
      encodeCanonical('ab') + encodeCanonical('c'),
    );
  });
});
