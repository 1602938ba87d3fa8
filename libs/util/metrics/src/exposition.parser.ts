/** One sample of a scraped page: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads the Prometheus text exposition format (what /metrics serves) into samples, for specs and
 * the demo's summaries; comments and blank lines are skipped, a malformed line throws naming it.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a metric line: '${line.slice(0, 200)}'`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The samples of one metric whose labels include `match`. */
export function samplesOf(samples: Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the matching samples (NaN when there are none, so an absent series never reads as 0). */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  const found = samplesOf(samples, name, match);
  return found.length === 0 ? Number.NaN : found.reduce((a, s) => a + s.value, 0);
}

/**
 * The mch_ metric names a PromQL expression refers to, histogram series (_bucket, _sum, _count)
 * folded onto their metric, so rules and dashboards can be checked against what services export.
 */
export function metricNamesInPromQL(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\bmch_[a-z0-9_]+/g)) names.add(m[0].replace(/_(bucket|sum|count)$/, ''));
  return [...names].sort();
}

/** The metric a sample belongs to (histogram and summary series folded onto their metric). */
export function metricOfSample(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '');
}
