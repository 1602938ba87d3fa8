import { dateValue, LossyFields, parseRawValues, textValue, WEAVIATE_DATE_MAX, WEAVIATE_DATE_MIN, withRawValues } from './lossless-values';

describe('dateValue', () => {
  it('writes whole-millisecond dates inside the filter index range as they are', () => {
    expect(dateValue('2106-02-08T06:28:16.000Z')).toEqual({ typed: '2106-02-08T06:28:16.000Z', exact: true });
    expect(dateValue('2026-01-01T12:00:00+02:00')).toEqual({ typed: '2026-01-01T10:00:00.000Z', exact: true });
    expect(dateValue(WEAVIATE_DATE_MIN)).toEqual({ typed: WEAVIATE_DATE_MIN, exact: true });
    expect(dateValue(WEAVIATE_DATE_MAX)).toEqual({ typed: WEAVIATE_DATE_MAX, exact: true });
  });

  it('keeps sub-millisecond digits in the typed value but flags them (clients read milliseconds)', () => {
    expect(dateValue('1969-12-31T23:59:59.999999Z')).toEqual({ typed: '1969-12-31T23:59:59.999999Z', exact: false });
    expect(dateValue('2026-01-01T00:00:00.123000Z')).toEqual({ typed: '2026-01-01T00:00:00.123Z', exact: true });
  });

  it('clamps dates outside 1677-09-21..2262-04-11, BC and expanded years, and infinity', () => {
    for (const low of ['0001-01-01T00:00:00.000Z', '1677-09-21T00:12:43.145Z', '-000043-03-15T00:00:00.000Z', '-infinity', '-300000-01-01T00:00:00Z']) {
      expect(dateValue(low)).toEqual({ typed: WEAVIATE_DATE_MIN, exact: false });
    }
    for (const high of ['9999-12-31T23:59:59.999999Z', '2262-04-11T23:47:16.855Z', '+010000-01-01T00:00:00.000Z', 'infinity', '+294276-12-31T23:59:59.999999Z']) {
      expect(dateValue(high)).toEqual({ typed: WEAVIATE_DATE_MAX, exact: false });
    }
  });
});

describe('textValue', () => {
  it('keeps NUL, emoji and paired surrogates; replaces lone surrogates by U+FFFD', () => {
    expect(textValue('a\u0000b \u{1F600}')).toEqual({ typed: 'a\u0000b \u{1F600}', exact: true });
    expect(textValue('x\ud800y\udc00')).toEqual({ typed: 'x\ufffdy\ufffd', exact: false });
    expect(textValue('\ud83d')).toEqual({ typed: '\ufffd', exact: false });
  });
});

describe('LossyFields', () => {
  it('names lossy properties in order and keeps their originals as JSON text', () => {
    const lossy = new LossyFields();
    expect(lossy.date('b', 'infinity')).toBe(WEAVIATE_DATE_MAX);
    expect(lossy.text('a', 'ok')).toBe('ok');
    expect(lossy.textList('c', ['fine', '\udfff'])).toEqual(['fine', '\ufffd']);
    expect(lossy.date('d', null)).toBeNull();
    expect(lossy.fields()).toEqual(['b', 'c']);
    expect(lossy.rawValuesText()).toBe('{"b":"infinity","c":["fine","\\udfff"]}');
    expect(parseRawValues(lossy.rawValuesText())).toEqual({ b: 'infinity', c: ['fine', '\udfff'] });
    expect(new LossyFields().rawValuesText()).toBeNull();
  });

  it('gives readers the original values in place of the typed ones', () => {
    const stored = { b: new Date(WEAVIATE_DATE_MAX), a: 'ok', rawValues: '{"b":"infinity"}' };
    expect(withRawValues(stored)).toEqual({ ...stored, b: 'infinity' });
    expect(withRawValues({ a: 'ok' })).toEqual({ a: 'ok' });
  });
});
