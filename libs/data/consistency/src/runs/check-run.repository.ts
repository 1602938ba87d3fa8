import type { Pool } from 'pg';
import type { ConsistencyReport } from '../report/consistency-report';

export type CheckRunStatus = 'passed' | 'failed' | 'error';

export interface CheckRunSummary {
  id: string;
  mode: string;
  status: CheckRunStatus;
  migrationId: string | null;
  entities: string[];
  startedAt: string;
  durationMs: number;
  discrepancies: number | null;
  inFlight: number;
  maxDiscrepancyRate: number | null;
  failures: string[];
  /** The report's verdict (a dead-lettered run has status passed); null for runs recorded before it existed. */
  verdict: string | null;
  /** Rows missing because a stage dead-lettered them (0 for runs recorded before). */
  deadLettered: number;
}

/** error: a store could not be read (nothing is known); failed: thresholds broken; passed otherwise. */
export function runStatus(report: ConsistencyReport): CheckRunStatus {
  const unreadable = report.entities.some((e) => e.pairs.some((p) => p.error !== null));
  if (unreadable) return 'error';
  return report.passed ? 'passed' : 'failed';
}

/** Records runs in consistency_check_runs / consistency_check_pairs (migration 019) and reads them back. */
export class CheckRunRepository {
  constructor(private readonly pool: Pool) {}

  async record(report: ConsistencyReport): Promise<void> {
    const pairs = report.entities.flatMap((e) => e.pairs);
    const known = pairs.every((p) => p.discrepancies !== null);
    const discrepancies = known ? pairs.reduce((n, p) => n + (p.discrepancies ?? 0), 0) : null;
    const rates = pairs.map((p) => p.discrepancyRate).filter((r): r is number => r !== null);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO consistency_check_runs (id, mode, status, migration_id, entities, started_at, finished_at, duration_ms,
                                             discrepancies, in_flight, max_discrepancy_rate, failures, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          report.runId,
          report.mode,
          runStatus(report),
          report.migrationId,
          report.entities.map((e) => e.entity),
          report.startedAt,
          report.finishedAt,
          report.durationMs,
          discrepancies,
          pairs.reduce((n, p) => n + p.inFlight.count, 0),
          known && rates.length > 0 ? Math.max(...rates) : null,
          JSON.stringify(report.failures),
          JSON.stringify(report),
        ],
      );
      for (const p of pairs) {
        await client.query(
          `INSERT INTO consistency_check_pairs (run_id, entity, source_store, target_store, source_rows, target_rows, missing, extra,
                                               different, in_flight, discrepancies, discrepancy_rate, passed, error)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [
            report.runId,
            p.entity,
            p.source,
            p.target,
            p.sourceRows,
            p.targetRows,
            p.missing.count,
            p.extra.count,
            p.different.count,
            p.inFlight.count,
            p.discrepancies,
            p.discrepancyRate,
            p.passed,
            p.error ? `${p.error.store}: ${p.error.message}` : null,
          ],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async latest(): Promise<ConsistencyReport | null> {
    const { rows } = await this.pool.query<{ report: ConsistencyReport }>(
      `SELECT report FROM consistency_check_runs ORDER BY started_at DESC LIMIT 1`,
    );
    return rows[0]?.report ?? null;
  }

  async history(limit: number): Promise<CheckRunSummary[]> {
    const { rows } = await this.pool.query<{
      id: string;
      mode: string;
      status: CheckRunStatus;
      migration_id: string | null;
      entities: string[];
      started_at: Date;
      duration_ms: number;
      discrepancies: string | null;
      in_flight: string;
      max_discrepancy_rate: number | null;
      failures: string[];
      verdict: string | null;
      dead_lettered: string | null;
    }>(
      `SELECT id, mode, status, migration_id, entities, started_at, duration_ms, discrepancies, in_flight, max_discrepancy_rate, failures,
              report ->> 'verdict' AS verdict, report ->> 'deadLettered' AS dead_lettered
         FROM consistency_check_runs ORDER BY started_at DESC LIMIT $1`,
      [Math.max(1, Math.trunc(limit))],
    );
    return rows.map((r) => ({
      id: r.id,
      mode: r.mode,
      status: r.status,
      migrationId: r.migration_id,
      entities: r.entities,
      startedAt: r.started_at.toISOString(),
      durationMs: r.duration_ms,
      discrepancies: r.discrepancies === null ? null : Number(r.discrepancies),
      inFlight: Number(r.in_flight),
      maxDiscrepancyRate: r.max_discrepancy_rate,
      failures: r.failures,
      verdict: r.verdict,
      deadLettered: Number(r.dead_lettered ?? 0),
    }));
  }
}
