import { LEGACY_CAPABILITIES, capabilitiesFromProbe } from '../capabilities/analytics-capabilities';
import type { ColumnSpec } from '../schema/column.types';
import { LossyValues } from './lossy-values';
import { encodeColumn, encodeDecimal, encodeTimestamp, escapeTsv, FieldRejection, parseTimestamp } from './tsv-values';

const modern = capabilitiesFromProbe({ version: '26.9.2.1', typeFamilies: ['DateTime64', 'LowCardinality'], databaseEngine: 'Atomic', mergeTreeSettings: [] });

function rejection(fn: () => unknown): FieldRejection {
  try {
    fn();
  } catch (error) {
    if (error instanceof FieldRejection) return error;
    throw error;
  }
  throw new Error('expected a FieldRejection');
}

const spec = (name: string, kind: ColumnSpec['kind'], nullable: boolean): ColumnSpec => ({ name, kind, nullable, value: () => undefined });
const amount = spec('award_amount', { type: 'decimal', precision: 18, scale: 2 }, true);
const strictAmount = spec('price', { type: 'decimal', precision: 18, scale: 2 }, false);
const awardDate = spec('award_date', { type: 'timestamp' }, true);
const postedDate = spec('posted_date', { type: 'timestamp' }, false);

/** Encodes one value and returns its fields and what was flagged. */
function encode(column: ColumnSpec, value: unknown, caps = LEGACY_CAPABILITIES): { fields: string[]; flagged: Record<string, string> } {
  const lossy = new LossyValues();
  const fields = encodeColumn(column, value, caps, lossy);
  return { fields, flagged: JSON.parse(lossy.fields()[0]) as Record<string, string> };
}

describe('encodeDecimal', () => {
  const dec = (value: unknown, column = amount) => {
    const lossy = new LossyValues();
    return { text: encodeDecimal(column, value, 18, 2, lossy), flagged: lossy.flagged };
  };

  it('keeps numeric(15,2) values exactly, up to the largest one, unflagged', () => {
    expect(dec('9999999999999.99')).toEqual({ text: '9999999999999.99', flagged: [] });
    expect(dec('0.10').text).toBe('0.1');
    expect(dec('-0.00').text).toBe('0');
    expect(dec('007.50').text).toBe('7.5');
    expect(dec('9999999999999999.99').text).toBe('9999999999999999.99');
  });

  it('stores NULL for overflow, NaN and ±Infinity in a nullable column, flagged', () => {
    for (const value of ['12345678901234567.00', '1000000000000000000000000000000', 'NaN', 'Infinity', '-Infinity']) {
      expect(dec(value)).toEqual({ text: '\\N', flagged: ['award_amount'] });
    }
  });

  it('clamps them in a non-nullable column (NaN to 0), flagged', () => {
    expect(dec('-12345678901234567', strictAmount).text).toBe('-9999999999999999.99');
    expect(dec('Infinity', strictAmount).text).toBe('9999999999999999.99');
    expect(dec('NaN', strictAmount)).toEqual({ text: '0', flagged: ['price'] });
  });

  it('truncates digits beyond the scale toward zero, flagged', () => {
    expect(dec('1.005')).toEqual({ text: '1', flagged: ['award_amount'] });
    expect(dec('-10.129').text).toBe('-10.12');
    expect(dec('0.001').text).toBe('0');
  });

  it('refuses what is not decimal text (a schema violation)', () => {
    expect(rejection(() => dec('1e5')).code).toBe('VALIDATION_FAILED');
    expect(rejection(() => dec(0.1)).reason).toContain('is not a decimal number');
    expect(rejection(() => dec('nan')).reason).toContain('is not a decimal number');
  });
});

describe('timestamps', () => {
  it('parses the contract forms exactly: offsets, 6 fraction digits, expanded years, infinity', () => {
    expect(parseTimestamp('2026-01-02T03:04:05.678Z')).toEqual({ ms: Date.UTC(2026, 0, 2, 3, 4, 5, 678), subMillis: false });
    expect(parseTimestamp('2026-01-02T05:04:05+02:00')).toEqual({ ms: Date.UTC(2026, 0, 2, 3, 4, 5), subMillis: false });
    expect(parseTimestamp('1969-12-31T23:59:59.999999Z')).toEqual({ ms: -1, subMillis: true });
    expect(parseTimestamp('2026-01-02T03:04:05.678000Z')).toEqual({ ms: Date.UTC(2026, 0, 2, 3, 4, 5, 678), subMillis: false });
    expect(parseTimestamp('-000043-03-15T00:00:00.000Z')).toEqual({ side: 'below' });
    expect(parseTimestamp('0001-01-01T00:00:00.000Z')).toEqual({ side: 'below' });
    expect(parseTimestamp('+010000-01-01T00:00:00.000Z')).toEqual({ side: 'above' });
    expect(parseTimestamp('infinity')).toEqual({ side: 'above' });
    expect(parseTimestamp('-infinity')).toEqual({ side: 'below' });
  });

  it('refuses text that is no timestamp or no calendar time (a schema violation)', () => {
    expect(rejection(() => parseTimestamp('2026-02-30T00:00:00Z')).reason).toContain('not a valid calendar time');
    expect(rejection(() => parseTimestamp('2025-02-29T00:00:00Z')).reason).toContain('not a valid calendar time');
    expect(rejection(() => parseTimestamp('Infinity')).reason).toContain('is not an ISO-8601 timestamp');
    expect(rejection(() => parseTimestamp('-000000-01-01T00:00:00Z')).code).toBe('VALIDATION_FAILED');
    expect(rejection(() => parseTimestamp('2026-01-02 03:04:05')).code).toBe('VALIDATION_FAILED');
  });

  it('splits seconds and milliseconds on 18.16 and keeps both in DateTime64 elsewhere', () => {
    const lossy = new LossyValues();
    expect(encodeTimestamp(postedDate, '2026-01-02T03:04:05.678Z', LEGACY_CAPABILITIES, lossy)).toEqual(['2026-01-02 03:04:05', '678']);
    expect(encodeTimestamp(postedDate, '2026-01-02T03:04:05.678Z', modern, lossy)).toEqual(['2026-01-02 03:04:05.678']);
    expect(encodeTimestamp(postedDate, '2024-02-29T10:00:00.007Z', LEGACY_CAPABILITIES, lossy)).toEqual(['2024-02-29 10:00:00', '7']);
    expect(encodeTimestamp(postedDate, '1965-06-01T00:00:00Z', modern, lossy)).toEqual(['1965-06-01 00:00:00.000']);
    expect(encodeTimestamp(postedDate, '2105-12-31T23:59:59.999Z', LEGACY_CAPABILITIES, lossy)).toEqual(['2105-12-31 23:59:59', '999']);
    expect(lossy.flagged).toEqual([]);
    expect(rejection(() => encodeTimestamp(postedDate, '2023-02-29T10:00:00.000Z', LEGACY_CAPABILITIES, lossy)).reason).toContain('not a valid calendar time');
  });

  it('truncates sub-millisecond digits toward the past and flags the original', () => {
    expect(encode(postedDate, '2025-03-01T14:00:00.123456Z')).toEqual({ fields: ['2025-03-01 14:00:00', '123'], flagged: { posted_date: '2025-03-01T14:00:00.123456Z' } });
    expect(encode(postedDate, '1969-12-31T23:59:59.999999Z', modern)).toEqual({
      fields: ['1969-12-31 23:59:59.999'],
      flagged: { posted_date: '1969-12-31T23:59:59.999999Z' },
    });
  });

  it("stores NULL for what is outside a nullable column's range, flagged: 18.16 1970-2105, current 1900-2299", () => {
    const cases: [string, boolean, boolean][] = [
      // value, outside on 18.16, outside on current servers
      ['0001-01-01T00:00:00.000Z', true, true],
      ['1969-12-31T23:59:59.999999Z', true, false],
      ['2106-02-08T00:00:00.000Z', true, false],
      ['9999-12-31T23:59:59.999999Z', true, true],
      ['-000043-03-15T00:00:00.000Z', true, true],
      ['+010000-01-01T00:00:00.000Z', true, true],
      ['1899-12-31T23:59:59.999Z', true, true],
      ['2300-01-01T00:00:00.000Z', true, true],
      ['infinity', true, true],
      ['-infinity', true, true],
    ];
    for (const [value, legacy, current] of cases) {
      const old = encode(awardDate, value);
      expect(old.flagged).toEqual({ award_date: value });
      if (legacy) expect(old.fields).toEqual(['\\N', '0']);
      const now = encode(awardDate, value, modern);
      // In range on current servers: stored, flagged only for its sub-millisecond digits.
      expect(now.flagged).toEqual(current || /\.\d{6}Z$/.test(value) ? { award_date: value } : {});
      if (current) expect(now.fields).toEqual(['\\N']);
      else expect(now.fields).not.toEqual(['\\N']);
    }
  });

  it("clamps a non-nullable column to the range's nearer end, flagged", () => {
    expect(encode(postedDate, '0001-01-01T00:00:00.000Z')).toEqual({ fields: ['1970-01-01 00:00:00', '0'], flagged: { posted_date: '0001-01-01T00:00:00.000Z' } });
    expect(encode(postedDate, '2106-02-08T00:00:00.000Z').fields).toEqual(['2105-12-31 23:59:59', '999']);
    expect(encode(postedDate, 'infinity', modern).fields).toEqual(['2299-12-31 23:59:59.999']);
    expect(encode(postedDate, '-infinity', modern).fields).toEqual(['1900-01-01 00:00:00.000']);
    expect(encode(postedDate, '-000043-03-15T00:00:00.000Z', modern).flagged).toEqual({ posted_date: '-000043-03-15T00:00:00.000Z' });
  });
});

describe('encodeColumn', () => {
  const text = spec('title', { type: 'string' }, true);
  const id = spec('opportunity_id', { type: 'uuid' }, false);
  const quantity = spec('quantity', { type: 'int32' }, false);
  const fileSize = spec('file_size', { type: 'int32' }, true);

  it('escapes the characters TabSeparated gives meaning to, and nothing else', () => {
    expect(escapeTsv('a\tb\nc\\d\re\0f \'"ü')).toBe('a\\tb\\nc\\\\d\\re\\0f \'"ü');
    expect(encode(text, 'C:\\temp\\').fields).toEqual(['C:\\\\temp\\\\']);
  });

  it('stores NUL in text losslessly, unflagged', () => {
    expect(encode(text, 'a\u0000b')).toEqual({ fields: ['a\\0b'], flagged: {} });
  });

  it('writes NULL for nullable columns and refuses it for the others', () => {
    expect(encode(text, null).fields).toEqual(['\\N']);
    expect(rejection(() => encode(id, null)).reason).toContain('is null');
  });

  it('refuses invalid UUIDs (a schema violation)', () => {
    expect(rejection(() => encode(id, 'not-a-uuid')).reason).toContain('is not a UUID');
  });

  it('stores an unpaired surrogate as U+FFFD and keeps the original text, flagged', () => {
    const stored = encode(text, 'broken \ud800 pair');
    expect(stored.fields).toEqual(['broken \ufffd pair']);
    expect(stored.flagged).toEqual({ title: 'broken \ud800 pair' });
  });

  it('stores integers outside the type as NULL or clamped, flagged', () => {
    expect(encode(fileSize, 3_000_000_000)).toEqual({ fields: ['\\N'], flagged: { file_size: '3000000000' } });
    expect(encode(quantity, -3_000_000_000).fields).toEqual(['-2147483648']);
    expect(rejection(() => encode(quantity, 1.5)).reason).toContain('is not an integer');
  });

  it('stores very long text whole', () => {
    const long = 'Ø±µL°C 🙂 '.repeat(100_000);
    expect(encode(text, long)).toEqual({ fields: [long], flagged: {} });
  });
});

describe('LossyValues', () => {
  it('gives raw_values as a JSON object and lossy_fields as an array literal, in flag order', () => {
    const lossy = new LossyValues();
    expect(lossy.fields()).toEqual(['{}', '[]']);
    lossy.flag('posted_date', 'infinity');
    lossy.flag('award_amount', 'NaN');
    lossy.flag('title', 'x \ud800 "q"');
    const [raw, names] = lossy.fields();
    expect(names).toBe("['posted_date','award_amount','title']");
    expect(JSON.parse(raw)).toEqual({ posted_date: 'infinity', award_amount: 'NaN', title: 'x \ud800 "q"' });
    expect(raw).toContain('\\ud800');
  });
});
