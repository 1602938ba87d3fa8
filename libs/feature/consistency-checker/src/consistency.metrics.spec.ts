import { emptyPair, failedPair, type ConsistencyReport } from '@mch/data-consistency';
import { parseExposition, samplesOf, sumOf } from '@mch/util-metrics';
import { ConsistencyMetrics } from './consistency.metrics';

function report(
  pairs: ConsistencyReport['entities'][number]['pairs'],
  counts: ConsistencyReport['entities'][number]['counts'],
): ConsistencyReport {
  return {
    runId: 'r',
    mode: 'content',
    startedAt: '2026-03-01T00:00:00.000Z',
    finishedAt: '2026-03-01T00:00:10.000Z',
    durationMs: 10_000,
    migrationId: null,
    inFlightCutoff: '2026-03-01T00:00:00.000Z',
    watermark: null,
    thresholds: { maxDiscrepancies: 100, maxDiscrepancyRate: 0.0001 },
    entities: [
      {
        entity: 'opportunity',
        counts,
        pairs,
        deadLetters: { read: true, topics: [], letters: 0, ids: 0, byStage: {}, unusable: 0 },
        undecodableMessages: { count: 0, samples: [] },
      },
    ],
    eventStore: null,
    passed: pairs.every((p) => p.passed),
    verdict: pairs.every((p) => p.passed) ? 'consistent' : 'inconsistent',
    deadLettered: 0,
    failures: [],
  };
}

describe('Prometheus gauges of the latest report', () => {
  it('shows discrepancies by kind and rate per pair', async () => {
    const metrics = new ConsistencyMetrics();
    const pair = {
      ...emptyPair('opportunity', 'clickhouse', 'content'),
      sourceRows: 10,
      targetRows: 9,
      missing: { count: 1, ids: ['a'] },
      discrepancies: 1,
      discrepancyRate: 0.1,
    };
    metrics.update(report([pair], { postgres: 10, clickhouse: 9 }));
    const samples = parseExposition(await metrics.text());
    expect(sumOf(samples, 'mch_consistency_check_passed')).toBe(0);
    const pairLabels = { entity: 'opportunity', target: 'clickhouse' };
    expect(sumOf(samples, 'mch_consistency_discrepancies', { ...pairLabels, kind: 'missing' })).toBe(1);
    expect(sumOf(samples, 'mch_consistency_discrepancy_rate', pairLabels)).toBe(0.1);
    expect(sumOf(samples, 'mch_consistency_rows', { entity: 'opportunity', store: 'clickhouse' })).toBe(9);
    expect(sumOf(samples, 'mch_consistency_last_run_duration_seconds')).toBe(10);
  });

  it('counts checks by verdict, and a check that could not run as error', async () => {
    const metrics = new ConsistencyMetrics();
    const ok = {
      ...emptyPair('opportunity', 'clickhouse', 'content'),
      passed: true,
      discrepancies: 0,
      discrepancyRate: 0,
    };
    metrics.recordCheck(report([ok], { postgres: 1, clickhouse: 1 }));
    metrics.recordCheck(report([ok], { postgres: 1, clickhouse: 1 }));
    metrics.recordCheck(report([{ ...ok, passed: false }], { postgres: 1, clickhouse: 1 }));
    metrics.checkFailed();
    const samples = parseExposition(await metrics.text());
    expect(sumOf(samples, 'mch_consistency_checks_total', { verdict: 'consistent' })).toBe(2);
    expect(sumOf(samples, 'mch_consistency_checks_total', { verdict: 'inconsistent' })).toBe(1);
    expect(sumOf(samples, 'mch_consistency_checks_total', { verdict: 'error' })).toBe(1);
    expect(sumOf(samples, 'mch_consistency_checks_total', { verdict: 'unreadable' })).toBe(0);
  });

  it('marks an unreadable store as an error and never reports it as 0 rows; old label values are cleared', async () => {
    const metrics = new ConsistencyMetrics();
    metrics.update(
      report(
        [
          {
            ...emptyPair('opportunity', 'weaviate', 'content'),
            passed: true,
            discrepancies: 0,
            discrepancyRate: 0,
          },
        ],
        { postgres: 10, weaviate: 10 },
      ),
    );
    metrics.update(
      report([failedPair('opportunity', 'weaviate', 'content', 'weaviate', 'connection refused')], {
        postgres: 10,
        weaviate: null,
      }),
    );
    const samples = parseExposition(await metrics.text());
    expect(sumOf(samples, 'mch_consistency_pair_error', { entity: 'opportunity', target: 'weaviate' })).toBe(
      1,
    );
    expect(samples.filter((x) => x.labels.store === 'weaviate')).toEqual([]);
    expect(samplesOf(samples, 'mch_consistency_discrepancy_rate')).toEqual([]);
  });
});
