import { emptyPair } from '../check/pair-check';
import type { ConsistencyReport } from './consistency-report';
import { renderReportTable } from './report-table';

describe('report table', () => {
  it('shows one line per pair and the differing fields of the samples', () => {
    const pair = {
      ...emptyPair('opportunity', 'weaviate', 'content'),
      sourceRows: 1_500,
      targetRows: 1_500,
      matched: 1_498,
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
          deadLetters: { read: true, topics: [], letters: 0, ids: 0, byStage: {}, unusable: 0 },
          undecodableMessages: { count: 0, samples: [] },
        },
      ],
      eventStore: null,
      passed: false,
      verdict: 'inconsistent',
      deadLettered: 0,
      failures: ['opportunity postgres/weaviate: discrepancy rate 0.0667% reaches the limit of 0.0100%'],
    };
    const text = renderReportTable(report);
    expect(text).toContain('Consistency check run-1: FAILED in 2.0 s');
    expect(text).toMatch(
      /opportunity\s+postgres\/weaviate\s+content\s+1500\s+1500\s+1498\s+0\s+0\s+0\s+1\s+1\s+0\.0667%\s+FAIL/,
    );
    expect(text).toContain('0f agency: "VA" -> "ALTERED"');
    expect(text).toContain('in flight: 1a (missing, changed 2026-03-01T00:00:00.000Z)');
    expect(text).toContain('  - opportunity postgres/weaviate: discrepancy rate');
  });

  it('lists dead-lettered rows apart, with stage and reason, and accounts for every source row', () => {
    const pair = {
      ...emptyPair('opportunity', 'clickhouse', 'content'),
      sourceRows: 1_000,
      targetRows: 993,
      matched: 992,
      missing: { count: 1, ids: ['aa'] },
      deadLettered: {
        count: 6,
        rows: ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((id) => ({
          id,
          stage: 'clickhouse-populator',
          code: 'VALIDATION_FAILED',
          message: `opportunity ${id}: eventType is missing`,
          field: 'eventType',
          limit: null,
          at: '2026-03-01T00:00:00.000Z',
          topic: 'dlq.contracts.opportunities.events',
          partition: 0,
          offset: '0',
        })),
      },
      inFlight: { count: 1, rows: [{ id: 'cc', kind: 'missing' as const, changedAt: '2026-03-01T00:00:01.000Z' }] },
      discrepancies: 1,
      discrepancyRate: 0.001,
      passed: true,
    };
    const text = renderReportTable({
      runId: 'run-2',
      mode: 'content',
      startedAt: '2026-03-01T00:00:00.000Z',
      finishedAt: '2026-03-01T00:00:01.000Z',
      durationMs: 1_000,
      migrationId: null,
      inFlightCutoff: '2026-03-01T00:00:00.000Z',
      watermark: null,
      thresholds: { maxDiscrepancies: 100, maxDiscrepancyRate: 0.01 },
      entities: [
        {
          entity: 'opportunity',
          counts: { postgres: 1_000, clickhouse: 993 },
          pairs: [pair],
          deadLetters: { read: true, topics: ['dlq.contracts.opportunities.events'], letters: 6, ids: 6, byStage: { 'clickhouse-populator': 6 }, unusable: 0 },
          undecodableMessages: { count: 0, samples: [] },
        },
      ],
      eventStore: null,
      passed: true,
      verdict: 'dead-lettered',
      deadLettered: 6,
      failures: [],
    });
    expect(text).toContain('Consistency check run-2: PASSED EXCEPT 6 DEAD-LETTERED ROWS');
    expect(text).toMatch(/opportunity\s+postgres\/clickhouse\s+content\s+1000\s+993\s+992\s+6\s+1\s+0\s+0\s+1\s+0\.1000%\s+ok/);
    expect(text).toContain(
      'opportunity postgres/clickhouse: 992 matched + 0 different = 992 migrated; + 6 dead-lettered + 1 missing + 1 in flight = 1000 source',
    );
    expect(text).toContain('b1 by clickhouse-populator: VALIDATION_FAILED (field eventType) opportunity b1: eventType is missing');
  });
});
