import type { ConsumedRecord } from '@mch/data-consumer-loop';
import type { IndexEvent } from '../mapping/index-event';

/** The greatest of some source positions (text order is position order); null if none. */
export function latestPosition(...positions: (string | null | undefined)[]): string | null {
  let out: string | null = null;
  for (const p of positions) if (p && (out === null || p > out)) out = p;
  return out;
}

/**
 * Keeps the newest version of each row in a batch (the last one on a tie: duplicates carry the
 * same content). Returns the kept records and how many older versions were dropped.
 */
export function newestPerRow(records: readonly ConsumedRecord<IndexEvent>[]): {
  newest: Map<string, ConsumedRecord<IndexEvent>>;
  superseded: number;
} {
  const newest = new Map<string, ConsumedRecord<IndexEvent>>();
  let superseded = 0;
  for (const record of records) {
    const key = `${record.value.entity}:${record.value.aggregateId}`;
    const kept = newest.get(key);
    if (kept && record.value.position < kept.value.position) {
      superseded++;
      continue;
    }
    if (kept) superseded++;
    newest.set(key, record);
  }
  return { newest, superseded };
}

/** Whether an incoming version must be applied over what the index holds (object or tombstone). */
export function isNewer(incoming: string, stored: string | null): boolean {
  return stored === null || incoming > stored;
}

/** Property-by-property equality of two flat property records (arrays compared element-wise). */
export function sameProperties(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const x = a[key] ?? null;
    const y = b[key] ?? null;
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
    } else if (x !== y) return false;
  }
  return true;
}
