import { MAX_SEGMENT_LENGTH } from '../stores/client-side.rows';
import type { ContentView, RowHash, SegmentSummary } from '../stores/content-view';

export interface SegmentDiffOptions {
  /** Hex digits of the first level (3: 4,096 segments). */
  topLength: number;
  /** A differing segment with at most this many rows (on either side) is compared row by row. */
  leafRows: number;
  /** Hex digits added per level. */
  step: number;
}

export const DEFAULT_SEGMENT_DIFF: SegmentDiffOptions = { topLength: 3, leafRows: 2_000, step: 2 };

export interface RowDifferences {
  /** In the source, not in the target. */
  missing: string[];
  /** In the target, not in the source. */
  extra: string[];
  /** In both, with different hashes. */
  different: string[];
  /** Source rows involved (with their change time). */
  sourceRows: Map<string, RowHash>;
  sourceCount: number;
  targetCount: number;
  segments: number;
  differingSegments: number;
  depth: number;
}

function differing(a: Map<string, SegmentSummary>, b: Map<string, SegmentSummary>): string[] {
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (!x || !y || x.count !== y.count || x.sum !== y.sum) out.push(key);
  }
  return out.sort();
}

const total = (m: Map<string, SegmentSummary>) => [...m.values()].reduce((n, s) => n + s.count, 0);

/**
 * Finds the rows that differ between two stores the way data-diff/reladiff do: compare per
 * segment (row count and sum of row hashes, computed where the data lives), recurse into the
 * segments that differ with longer prefixes until they are small, then compare those segments row
 * by row. Matching segments cost one summary row each, so a clean comparison of a million rows
 * moves a few thousand numbers, not a million rows.
 */
export async function diffSegments(
  source: ContentView,
  target: ContentView,
  options: SegmentDiffOptions = DEFAULT_SEGMENT_DIFF,
): Promise<RowDifferences> {
  let length = options.topLength;
  let [s, t] = await Promise.all([source.summarize(length, null), target.summarize(length, null)]);
  const sourceCount = total(s);
  const targetCount = total(t);
  let segments = new Set([...s.keys(), ...t.keys()]).size;
  let depth = 1;
  const leaves: string[] = [];
  let pending = differing(s, t);
  const differingSegments = pending.length;
  while (pending.length > 0) {
    const deeper: string[] = [];
    for (const prefix of pending) {
      const rows = Math.max(s.get(prefix)?.count ?? 0, t.get(prefix)?.count ?? 0);
      if (rows <= options.leafRows || length + options.step > MAX_SEGMENT_LENGTH) leaves.push(prefix);
      else deeper.push(prefix);
    }
    if (deeper.length === 0) break;
    length += options.step;
    depth++;
    [s, t] = await Promise.all([source.summarize(length, deeper), target.summarize(length, deeper)]);
    segments += new Set([...s.keys(), ...t.keys()]).size;
    pending = differing(s, t);
  }
  const [sourceRows, targetRows] = await Promise.all([source.rowHashes(leaves), target.rowHashes(leaves)]);
  const missing: string[] = [];
  const extra: string[] = [];
  const different: string[] = [];
  for (const [id, row] of sourceRows) {
    const other = targetRows.get(id);
    if (!other) missing.push(id);
    else if (other.hash !== row.hash) different.push(id);
  }
  for (const id of targetRows.keys()) if (!sourceRows.has(id)) extra.push(id);
  return {
    missing: missing.sort(),
    extra: extra.sort(),
    different: different.sort(),
    sourceRows,
    sourceCount,
    targetCount,
    segments,
    differingSegments,
    depth,
  };
}
