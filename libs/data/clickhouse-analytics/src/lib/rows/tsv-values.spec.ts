import { LEGACY_CAPABILITIES, capabilitiesFromProbe } from '../capabilities/analytics-capabilities';
import { encodeColumn, encodeDecimal, encodeTimestamp, escapeTsv, FieldRejection, parseIsoMillis } from './tsv-values';

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

describe('encodeDecimal', () => {
  it('keeps numeric(15,2) values exactly, up to the largest one', () => {
    expect(encodeDecimal('9999999999999.99', 18, 2)).toBe('9999999999999.99');
    expect(encodeDecimal('0.10', 18, 2)).toBe('0.1');
    expect(encodeDecimal('-0.00', 18, 2)).toBe('0');
    expect(encodeDecimal('007.50', 18, 2)).toBe('7.5');
  });

  it('refuses values Decimal(18,2) would round or overflow, saying why', () => {
    expect(rejection(() => encodeDecimal('12345678901234567.00', 18, 2)).reason).toContain('exceeds Decimal(18, 2)');
    expect(rejection(() => encodeDecimal('1.005', 18, 2)).reason).toContain('more than 2 decimal places');
    expect(rejection(() => encodeDecimal('1e5', 18, 2)).code).toBe('VALIDATION_FAILED');
    expect(rejection(() => encodeDecimal(0.1, 18, 2)).reason).toContain('is not a decimal number');
  });
});

describe('timestamps', () => {
  it('parses ISO-8601 with offsets exactly, including years before 1970', () => {
    expect(parseIsoMillis('2026-01-02T03:04:05.678Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(parseIsoMillis('2026-01-02T05:04:05+02:00')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseIsoMillis('1965-06-01T00:00:00Z')).toBe(Date.UTC(1965, 5, 1));
    expect(rejection(() => parseIsoMillis('2026-02-30T00:00:00Z')).reason).toContain('not a valid calendar time');
    expect(rejection(() => parseIsoMillis('2026-01-02T03:04:05.678901Z')).reason).toContain('sub-millisecond');
  });

  it('splits seconds and milliseconds on 18.16 and keeps both in DateTime64 elsewhere', () => {
    expect(encodeTimestamp('2026-01-02T03:04:05.678Z', LEGACY_CAPABILITIES)).toEqual(['2026-01-02 03:04:05', '678']);
    expect(encodeTimestamp('2026-01-02T03:04:05.678Z', modern)).toEqual(['2026-01-02 03:04:05.678']);
  });

  it('converts the canonical form by slicing, with the same result and the same checks', () => {
    expect(encodeTimestamp('2024-02-29T10:00:00.007Z', LEGACY_CAPABILITIES)).toEqual(['2024-02-29 10:00:00', '7']);
    expect(encodeTimestamp('2024-02-29T10:00:00.007Z', modern)).toEqual(['2024-02-29 10:00:00.007']);
    expect(rejection(() => encodeTimestamp('2023-02-29T10:00:00.000Z', LEGACY_CAPABILITIES)).reason).toContain('not a valid calendar time');
    expect(rejection(() => encodeTimestamp('1969-12-31T23:59:59.999Z', LEGACY_CAPABILITIES)).reason).toContain('outside the column');
  });

  it("refuses what is outside the column's range instead of letting ClickHouse wrap it", () => {
    expect(rejection(() => encodeTimestamp('1969-12-31T23:59:59Z', LEGACY_CAPABILITIES)).reason).toContain('outside the column');
    expect(rejection(() => encodeTimestamp('2106-01-01T00:00:00Z', LEGACY_CAPABILITIES)).code).toBe('UNSUPPORTED_BY_STORE');
    expect(encodeTimestamp('2105-12-31T23:59:59.999Z', LEGACY_CAPABILITIES)).toEqual(['2105-12-31 23:59:59', '999']);
    expect(encodeTimestamp('1965-06-01T00:00:00Z', modern)).toEqual(['1965-06-01 00:00:00.000']);
    expect(rejection(() => encodeTimestamp('1899-12-31T23:59:59Z', modern)).reason).toContain('1900-01-01..2299-12-31');
    expect(rejection(() => encodeTimestamp('2300-01-01T00:00:00Z', modern)).code).toBe('UNSUPPORTED_BY_STORE');
  });
});

describe('encodeColumn', () => {
  const text = { name: 'title', kind: { type: 'string' as const }, nullable: true, value: () => undefined };
  const id = { name: 'opportunity_id', kind: { type: 'uuid' as const }, nullable: false, value: () => undefined };

  it('escapes the characters TabSeparated gives meaning to, and nothing else', () => {
    expect(escapeTsv('a\tb\nc\\d\re\0f \'"ü')).toBe('a\\tb\\nc\\\\d\\re\\0f \'"ü');
    expect(encodeColumn(text, 'C:\\temp\\', LEGACY_CAPABILITIES)).toEqual(['C:\\\\temp\\\\']);
  });

  it('writes NULL for nullable columns and refuses it for the others', () => {
    expect(encodeColumn(text, null, LEGACY_CAPABILITIES)).toEqual(['\\N']);
    expect(rejection(() => encodeColumn(id, null, LEGACY_CAPABILITIES)).reason).toContain('is null');
  });

  it('refuses invalid UUIDs and text UTF-8 cannot carry unchanged', () => {
    expect(rejection(() => encodeColumn(id, 'not-a-uuid', LEGACY_CAPABILITIES)).reason).toContain('is not a UUID');
    expect(rejection(() => encodeColumn(text, 'broken \ud800 pair', LEGACY_CAPABILITIES)).reason).toContain('unpaired UTF-16 surrogate');
  });

  it('stores very long text whole', () => {
    const long = 'Ø±µL°C '.repeat(100_000);
    expect(encodeColumn(text, long, LEGACY_CAPABILITIES)).toEqual([long]);
  });
});
