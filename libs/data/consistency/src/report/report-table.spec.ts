import { emptyPair } from '../check/pair-check';
import type { ConsistencyReport } from './consistency-report';
import { renderReportTable } from './report-table';

describe('report table', () => {
  it('shows one line per pair and the differing fields of the samples', () => {
    const pair = {
      ...emptyPair('opportunity', 'weaviate', 'content'),
      sourceRows: 1_500,
      targetRows: 1_500,
      different: {
        count: 1,
        ids: ['0f'],
        samples: [{ id: '0f', fields: [{ field: 'agency', source: 'VA', target: 'ALTERED' }] }],
      },
      inFlight: {
        count: 1,
        rows: [{ id: '1a', kind: 'missing' as const, changedAt: '2026-03-01T00:00:00.000Z' }],
      },
      discrepancies: 1,
      discrepancyRate: 1 / 1_500,
      reasons: ['discrepancy rate 0.0667% reaches the limit of 0.0100%'],
    };
    const report: ConsistencyReport = {
      runId: 'run-1',
      mode: 'content',
      startedAt: '2026-03-01T00:00:00.000Z',
      finishedAt: '2026-03-01T00:00:02.000Z',
      durationMs: 2_000,
      migrationId: null,
      inFlightCutoff: '2026-03-01T00:00:00.000Z',
      watermark: null,
      thresholds: { maxDiscrepancies: 100, maxDiscrepancyRate: 0.0001 },
      entities: [
        {
          entity: 'opportunity',
          counts: { postgres: 1_500, weaviate: 1_500 },
          pairs: [pair],
          undecodableMessages: { count: 0, samples: [] },
        },
      ],
      eventStore: null,
      passed: false,
      failures: ['opportunity postgres/weaviate: discrepancy rate 0.0667% reaches the limit of 0.0100%'],
    };
    const text = renderReportTable(report);
    expect(text).toContain('Consistency check run-1: FAILED in 2.0 s');
    expect(text).toMatch(
      /opportunity\s+postgres\/weaviate\s+content\s+1500\s+1500\s+0\s+0\s+1\s+1\s+0\.0667%\s+FAIL/,
    );
    expect(text).toContain('0f agency: "VA" -> "ALTERED"');
    expect(text).toContain('in flight: 1a (missing, changed 2026-03-01T00:00:00.000Z)');
    expect(text).toContain('  - opportunity postgres/weaviate: discrepancy rate');
  });
});
