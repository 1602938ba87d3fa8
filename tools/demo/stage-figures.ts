// What each stage of the demo did, read where an operator would read it: the services' /metrics,
// the CDC service's /migration/status, the backfill Job's JSON result, the outbox table.
import type { Pool } from 'pg';
import { parseExposition, samplesOf, sumOf, type Sample } from '@mch/util-metrics';
import type { LatencySummary, MonolithWorkload } from '@mch/monolith-workload';
import { httpGet } from './service-process';

export async function scrape(url: string): Promise<Sample[]> {
  const response = await httpGet(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`${url}/metrics answered ${response.status}`);
  return parseExposition(response.body);
}

/** Messages the consumer group has not committed, over every partition it reads; null before it reports any. */
export async function consumerLag(url: string, group: string): Promise<number | null> {
  const lag = samplesOf(await scrape(url), 'mch_consumer_lag_messages', { group });
  return lag.length === 0 ? null : lag.reduce((n, s) => n + s.value, 0);
}

export interface BackfillFigures {
  shards: number;
  seconds: number;
  perEntity: Map<string, { published: number; failed: number; seconds: number; throttledSeconds: number }>;
}

/** Sums the shards' `backfill --json` results per entity. */
export function backfillFigures(results: readonly string[], shards: number, seconds: number): BackfillFigures {
  const perEntity = new Map<string, { published: number; failed: number; seconds: number; throttledSeconds: number }>();
  for (const line of results) {
    const parsed = JSON.parse(line) as {
      command?: string;
      result?: { summaries: { entity: string; published: number; failed: number; seconds: number; throttledSeconds?: number }[] };
    };
    if (parsed.command !== 'backfill' || !parsed.result) continue;
    for (const s of parsed.result.summaries) {
      const seen = perEntity.get(s.entity) ?? { published: 0, failed: 0, seconds: 0, throttledSeconds: 0 };
      perEntity.set(s.entity, {
        published: seen.published + s.published,
        failed: seen.failed + s.failed,
        seconds: Math.max(seen.seconds, s.seconds),
        throttledSeconds: seen.throttledSeconds + (s.throttledSeconds ?? 0),
      });
    }
  }
  return { shards, seconds, perEntity };
}

export async function outboxByTopic(pool: Pool): Promise<{ topic: string; published: number; pending: number }[]> {
  const { rows } = await pool.query<{ topic: string; published: number; pending: number }>(
    `SELECT topic, count(*) FILTER (WHERE status = 'published')::int AS published, count(*) FILTER (WHERE status <> 'published')::int AS pending
       FROM event_outbox GROUP BY topic ORDER BY topic`,
  );
  return rows;
}

export interface StageLine {
  stage: string;
  what: string;
  count: number;
  seconds: number;
  unit: string;
}

const n = (value: number) => value.toLocaleString('en-US');

export function renderStages(lines: readonly StageLine[]): string[] {
  const cells = lines.map((l) => [l.stage, l.what, n(l.count), `${l.seconds.toFixed(1)} s`, l.seconds > 0 ? `${n(Math.round(l.count / l.seconds))} ${l.unit}/s` : '-']);
  const header = ['stage', 'what', 'count', 'time', 'rate'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const row = (c: string[]) => `   ${c.map((v, i) => (i >= 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ')}`;
  return [row(header), `   ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...cells.map(row)];
}

export function sumMetric(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return sumOf(samples, name, match);
}

const ms = (s: LatencySummary | null) => (s ? `${s.p50Ms.toFixed(1)} / ${s.p99Ms.toFixed(1)} ms (${n(s.count)})` : '-');

/** The workload's latency before and during the migration, p50 / p99 and the sample count. */
export function renderLatency(workload: MonolithWorkload): string[] {
  const rows: [string, string, string][] = [
    ['reads', ms(workload.summary('before', 'read')), ms(workload.summary('during', 'read'))],
    ['writes', ms(workload.summary('before', 'write')), ms(workload.summary('during', 'write'))],
    ['event appends (HTTP)', ms(workload.summary('before', 'event')), ms(workload.summary('during', 'event'))],
  ];
  const header: [string, string, string] = ['monolith', 'before: p50 / p99 (n)', 'during: p50 / p99 (n)'];
  const widths = [0, 1, 2].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `   ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`;
  return [line(header), `   ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)];
}
