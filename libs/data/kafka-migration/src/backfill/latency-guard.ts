import type { Pool } from 'pg';
import type { Logger } from '@mch/util-logger';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { isTransientPostgresError } from '@mch/infra-postgres';

export interface LatencyGuardOptions {
  /** Pause while the probe takes more than `factor` x its latency before the backfill; 0 turns the guard off. */
  factor: number;
  /** Longest pause between two chunks. */
  maxPauseMs: number;
  /** Differences below this many ms are noise on an idle server (0.3 ms vs 0.6 ms), never a reason to pause. */
  minExcessMs?: number;
  /**
   * Least time between two probes (0: one per chunk). An application query as the probe costs the
   * database what one such query costs; this bounds that cost whatever the chunk rate.
   */
  probeIntervalMs?: number;
}

/**
 * The next pause between chunks (additive-increase/multiplicative-decrease turned around: the
 * pause doubles, from 50 ms, while the probe is slow, and halves, to nothing, once it is fast again).
 */
export function nextPause(pauseMs: number, sampleMs: number, baselineMs: number, options: LatencyGuardOptions): number {
  const slow = sampleMs > baselineMs * options.factor && sampleMs - baselineMs > (options.minExcessMs ?? 2);
  if (slow) return Math.min(options.maxPauseMs, Math.max(50, pauseMs * 2));
  const halved = pauseMs / 2;
  return halved < 10 ? 0 : halved;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * A read the monolith itself makes (its newest page of the table), timed. Cheap, and blind to
 * contention for the database's CPU: the scheduler serves a sub-millisecond query at once, while
 * the application's longer queries share the cores with the backfill's reads (measured in
 * docs/kafka-migrator.md). The application's own query (sqlProbe) is the better signal.
 */
export function tableProbe(pool: Pool, table: string): () => Promise<number> {
  const sql = `SELECT id FROM ${table} ORDER BY id DESC LIMIT 10`;
  return async () => {
    const started = performance.now();
    await pool.query(sql);
    return performance.now() - started;
  };
}

/**
 * The operator's own query (BACKFILL_LATENCY_PROBE_SQL: the application's busiest read), timed.
 * It runs inside a READ ONLY transaction that is rolled back, so a probe can never write, whatever
 * the text says; only the statement itself is timed.
 */
export function sqlProbe(pool: Pool, sql: string): () => Promise<number> {
  return async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN READ ONLY');
      const started = performance.now();
      await client.query(sql).catch((error: Error) => {
        // A connection lost under the probe is the database's failure, retried as such, not the query's.
        if (isTransientPostgresError(error)) throw error;
        // Named, so a typo in the setting reads as one at 2 a.m. rather than as a backfill failure.
        throw new DomainException(ErrorCode.PreconditionFailed, `the latency probe (BACKFILL_LATENCY_PROBE_SQL) failed: ${error.message}`, {
          field: 'BACKFILL_LATENCY_PROBE_SQL',
        });
      });
      return performance.now() - started;
    } finally {
      // A connection whose rollback failed is not given back to the pool.
      await client.query('ROLLBACK').catch((error: Error) => (broken = error));
      client.release(broken);
    }
  };
}

/**
 * Slows the backfill down while the monolith's latency is above what it was before the backfill
 * started: a measured signal rather than a fixed rows/s ceiling, so the backfill takes what the
 * database can spare at 2 a.m. and backs off when the morning traffic comes.
 */
export class LatencyGuard {
  private baselineMs: number | null = null;
  private pauseMs = 0;
  /** The last three probes: the decision follows their median, so one outlier does not pause. */
  private readonly recent: number[] = [];
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  /** Total time paused, for the summary. */
  pausedMs = 0;

  constructor(
    private readonly probe: () => Promise<number>,
    private readonly options: LatencyGuardOptions,
    private readonly logger: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.options.factor > 0;
  }

  /** The probe's median latency before the backfill adds its load. */
  async calibrate(): Promise<number | null> {
    if (!this.enabled) return null;
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) samples.push(await this.probe());
    this.baselineMs = median(samples);
    // The window starts at the baseline, so one slow first probe is an outlier, not a reason to pause.
    this.recent.splice(0, this.recent.length, this.baselineMs, this.baselineMs);
    this.logger.info('backfill latency guard calibrated', { probe_ms: round(this.baselineMs), factor: this.options.factor });
    return this.baselineMs;
  }

  /**
   * After a chunk: probe (at most once per probeIntervalMs), then pause as long as nextPause says
   * for the median of the last three probes. Without a new probe the pause stays as it was.
   */
  async afterChunk(): Promise<number> {
    if (!this.enabled || this.baselineMs === null) return 0;
    if (this.now() - this.lastProbeAt >= (this.options.probeIntervalMs ?? 0)) {
      this.lastProbeAt = this.now();
      this.recent.push(await this.probe());
      if (this.recent.length > 3) this.recent.shift();
      const sample = median(this.recent);
      const before = this.pauseMs;
      this.pauseMs = nextPause(this.pauseMs, sample, this.baselineMs, this.options);
      if (before === 0 && this.pauseMs > 0) {
        this.logger.info('monolith latency is up: backfill slows down', { probe_ms: round(sample), baseline_ms: round(this.baselineMs), pause_ms: this.pauseMs });
      } else if (before > 0 && this.pauseMs === 0) {
        this.logger.info('monolith latency is back: backfill at full speed', { probe_ms: round(sample), baseline_ms: round(this.baselineMs), paused_ms: Math.round(this.pausedMs) });
      }
    }
    if (this.pauseMs > 0) {
      await this.sleep(this.pauseMs);
      this.pausedMs += this.pauseMs;
    }
    return this.pauseMs;
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
