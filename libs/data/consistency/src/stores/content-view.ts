import type { CanonicalText } from '../hashing/canonical-value';
import type { HashProfile } from '../profiles/hash-profile';

export type StoreName = 'postgres' | 'kafka' | 'clickhouse' | 'weaviate';
export type TargetStore = Exclude<StoreName, 'postgres'>;
export const TARGET_STORES: readonly TargetStore[] = ['kafka', 'clickhouse', 'weaviate'];

/** A segment of the key space: how many live rows it holds and the sum of their hashes modulo 2^64. */
export interface SegmentSummary {
  count: number;
  sum: bigint;
}

export interface RowHash {
  hash: string;
  /** When the row last changed, where the store knows it (the source does). */
  changedAt?: Date | null;
}

/**
 * One store's live rows of one entity, hashed over one profile. Summaries and row hashes of the
 * same segments are comparable across stores because every store computes the same segment and
 * the same row hash (see hashing/). Which side is computed inside the store and which is read and
 * hashed here is the view's business.
 */
export interface ContentView {
  readonly store: StoreName;
  readonly profile: HashProfile;
  /** Per segment at `length` hex digits; only segments starting with one of `within` when given. */
  summarize(length: number, within: readonly string[] | null): Promise<Map<string, SegmentSummary>>;
  /** Every live row of the given segments (prefixes may differ in length). */
  rowHashes(prefixes: readonly string[]): Promise<Map<string, RowHash>>;
  /** The profile's fields of these rows in canonical text; absent ids are not in the map. */
  canonicalRows(ids: readonly string[]): Promise<Map<string, CanonicalText[]>>;
}

/** Why a store could not be read; the check fails with it instead of counting the store as empty. */
export class StoreReadError extends Error {
  constructor(
    readonly store: StoreName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${store}: ${message}`, options);
    this.name = 'StoreReadError';
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Groups prefixes by length (a query filters on one prefix length at a time). */
export function byLength(prefixes: readonly string[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const prefix of prefixes) out.set(prefix.length, [...(out.get(prefix.length) ?? []), prefix]);
  return out;
}
