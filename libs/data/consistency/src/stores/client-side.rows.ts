import { HASH_MODULUS, hashValue, segmentOf } from '../hashing/row-hash';
import type { RowHash, SegmentSummary } from './content-view';

/** Deepest segment the recursion may reach (hex digits of MD5 kept per id). */
export const MAX_SEGMENT_LENGTH = 12;

/**
 * Row hashes of a store that cannot aggregate (Kafka, Weaviate), grouped into the same segments
 * the databases compute, so both sides of a comparison answer the same questions.
 */
export class ClientSideRows {
  private readonly ids: string[] = [];
  private readonly segments: string[] = [];
  private readonly hashes: string[] = [];

  constructor(rows: ReadonlyMap<string, string>) {
    for (const [id, hash] of rows) {
      this.ids.push(id);
      this.segments.push(segmentOf(id, MAX_SEGMENT_LENGTH));
      this.hashes.push(hash);
    }
  }

  get size(): number {
    return this.ids.length;
  }

  summarize(length: number, within: readonly string[] | null): Map<string, SegmentSummary> {
    const filter = within === null ? null : new Set(within);
    const lengths = within === null ? [] : [...new Set(within.map((p) => p.length))];
    const out = new Map<string, { count: number; sum: bigint }>();
    for (let i = 0; i < this.ids.length; i++) {
      const segment = this.segments[i];
      if (filter !== null && !lengths.some((len) => filter.has(segment.slice(0, len)))) continue;
      const key = segment.slice(0, length);
      const entry = out.get(key) ?? { count: 0, sum: 0n };
      entry.count++;
      entry.sum = (entry.sum + hashValue(this.hashes[i])) % HASH_MODULUS;
      out.set(key, entry);
    }
    return out;
  }

  rowHashes(prefixes: readonly string[]): Map<string, RowHash> {
    const filter = new Set(prefixes);
    const lengths = [...new Set(prefixes.map((p) => p.length))];
    const out = new Map<string, RowHash>();
    for (let i = 0; i < this.ids.length; i++) {
      const segment = this.segments[i];
      if (lengths.some((len) => filter.has(segment.slice(0, len))))
        out.set(this.ids[i], { hash: this.hashes[i] });
    }
    return out;
  }
}
