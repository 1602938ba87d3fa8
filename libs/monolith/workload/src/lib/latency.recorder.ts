/** Latency figures of one kind of operation in one phase of the workload. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Keeps every duration per (phase, kind) and answers percentiles by nearest rank. The workload
 * runs tens of operations a second for minutes, so exact samples cost a few kilobytes and need no
 * histogram approximation.
 */
export class LatencyRecorder {
  private readonly samples = new Map<string, number[]>();

  record(phase: string, kind: string, ms: number): void {
    const key = `${phase}\u0000${kind}`;
    let list = this.samples.get(key);
    if (!list) this.samples.set(key, (list = []));
    list.push(ms);
  }

  /** Null when nothing was recorded for the pair (never a made-up 0). */
  summary(phase: string, kind: string): LatencySummary | null {
    const list = this.samples.get(`${phase}\u0000${kind}`);
    if (!list || list.length === 0) return null;
    const sorted = [...list].sort((a, b) => a - b);
    return { count: sorted.length, p50Ms: nearestRank(sorted, 0.5), p99Ms: nearestRank(sorted, 0.99), maxMs: sorted[sorted.length - 1] };
  }
}

/** The smallest sample with at least q of the samples at or below it. */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}
