/** A slice of the UUID key space: [lower, upper), upper null meaning "to the end". */
export interface KeyRange {
  lower: string;
  upper: string | null;
}

function uuidFromBigInt(value: bigint): string {
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Shard `index` of `count` as an equal slice of the 128-bit key space. PostgreSQL compares uuids
 * as unsigned bytes, the order these bounds are computed in; slices are disjoint and together
 * cover every possible key, whatever the data.
 */
export function shardRange(index: number, count: number): KeyRange {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a positive whole number, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`shard index must be in [0, ${count}), got ${index}`);
  const space = 1n << 128n;
  const bound = (i: number) => (space * BigInt(i)) / BigInt(count);
  return { lower: uuidFromBigInt(bound(index)), upper: index + 1 === count ? null : uuidFromBigInt(bound(index + 1)) };
}
