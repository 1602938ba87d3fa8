import { createHash } from 'node:crypto';
import { assertSegmentPrefixes, hashValue, rowHash, segmentOf, toUnsignedSum } from './row-hash';

describe('row hashes and segments', () => {
  it('is the first 8 bytes of MD5 over the encoded fields (what md5() in PostgreSQL and MD5() in ClickHouse give)', () => {
    const expected = createHash('md5')
      .update('V5:hello' + 'N')
      .digest('hex')
      .slice(0, 16);
    expect(rowHash(['hello', null])).toBe(expected);
    expect(rowHash(['hello', null])).not.toBe(rowHash([null, 'hello']));
  });

  it('sums as unsigned 64-bit numbers modulo 2^64, matching the signed sums PostgreSQL produces', () => {
    // md5('abc') starts 900150983cd24fb0: PostgreSQL's bit(64)::bigint reads it as -8070080442485551184.
    expect(toUnsignedSum(-8070080442485551184n)).toBe(hashValue('900150983cd24fb0'));
    expect(toUnsignedSum((1n << 64n) + 5n)).toBe(5n);
  });

  it('segments by MD5 of the id text, case-insensitively, the same at every depth', () => {
    const id = '0000000a-0000-4000-8000-00000000000b';
    expect(segmentOf(id, 2)).toBe('2c');
    expect(segmentOf(id.toUpperCase(), 6).startsWith(segmentOf(id, 3))).toBe(true);
  });

  it('refuses segment prefixes that are not hex (they are inlined into ClickHouse SQL)', () => {
    expect(() => assertSegmentPrefixes(["a' OR 1=1"])).toThrow('is not lower-case hex');
    expect(() => assertSegmentPrefixes(['0f3'])).not.toThrow();
  });
});
