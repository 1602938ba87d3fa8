import { createHash } from 'node:crypto';
import { encodeCanonical, type CanonicalText } from './canonical-value';

/** 2^64: segment checksums are sums of 64-bit row hashes modulo this, in every store. */
export const HASH_MODULUS = 1n << 64n;

/**
 * A row's hash: the first 8 bytes of MD5 over its fields' encodings, as 16 lower-case hex digits.
 * MD5 because PostgreSQL (md5) and ClickHouse 18.16 (MD5) both compute it in the database, so a
 * segment's checksum never leaves the store; it is a checksum here, not a security measure.
 */
export function rowHash(fields: readonly CanonicalText[]): string {
  // One update of the joined encodings (the same bytes): an update per field costs more in calls.
  let text = '';
  for (const field of fields) text += encodeCanonical(field);
  return createHash('md5').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** The unsigned 64-bit number a row hash stands for (what the stores sum). */
export function hashValue(hex: string): bigint {
  return BigInt(`0x${hex}`);
}

/** A signed or unsigned sum (PostgreSQL sums signed bigints) as the unsigned sum modulo 2^64. */
export function toUnsignedSum(sum: bigint): bigint {
  return ((sum % HASH_MODULUS) + HASH_MODULUS) % HASH_MODULUS;
}

/**
 * The segment of the key space an id belongs to at a given depth: the first `length` hex digits
 * of MD5 of the id's text. A hash, not the id itself, so segments are even whatever the ids look
 * like (v1, v4 or v7 UUIDs) and every store computes the same one (ClickHouse's UUID order differs
 * from PostgreSQL's, the text of its MD5 does not).
 */
export function segmentOf(id: string, length: number): string {
  return createHash('md5').update(id.toLowerCase(), 'utf8').digest('hex').slice(0, length);
}

const HEX_PREFIX = /^[0-9a-f]{1,32}$/;

/** Segment prefixes end up inside SQL text (ClickHouse 18.16 has no query parameters): only hex passes. */
export function assertSegmentPrefixes(prefixes: readonly string[]): void {
  for (const prefix of prefixes) {
    if (!HEX_PREFIX.test(prefix)) throw new Error(`segment prefix '${prefix}' is not lower-case hex`);
  }
}
