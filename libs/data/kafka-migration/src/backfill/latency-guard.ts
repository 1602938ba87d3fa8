import type { Pool } from 'pg';
import type { Logger } from '@mch/util-logger';

export interface LatencyGuardOptions {
  /** Pause while the probe takes more than `factor` x its latency before the backfill; 0 turns the guard off. */
  factor: number;
  /** Longest pause between two chunks. */
  maxPauseMs: number;
  /** Differences below this many ms are noise on an idle server (0.3 ms vs 0.6 ms), never a reason to pause. */
  minExcessMs?: number;
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
 * A read the monolith itself makes (its newest page of the table), timed: under the backfill's
 * load it slows down the way the application's queries do, so its latency is the signal.
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
 * Slows the backfill down while the monolith's latency is above what it was before the backfill
 * started: a measured signal rather than a fixed rows/s ceiling, so the backfill takes what the
 * database can spare at 2 a.m. and backs off when the morning traffic comes.
 */
export class LatencyGuard {
  private baselineMs: number | null = null;
  private pauseMs = 0;
  /** Total time paused, for the summary. */
  pausedMs = 0;

  constructor(
    private readonly probe: () => Promise<number>,
    private readonly options: LatencyGuardOptions,
    private readonly logger: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
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
    this.logger.info('backfill latency guard calibrated', { probe_ms: round(this.baselineMs), factor: this.options.factor });
    return this.baselineMs;
  }

  /** After a chunk: probe, then pause as long as nextPause says. Returns the pause. */
  async afterChunk(): Promise<number> {
    if (!this.enabled || this.baselineMs === null) return 0;
    const sample = median([await this.probe(), await this.probe(), await this.probe()]);
    const before = this.pauseMs;
    this.pauseMs = nextPause(this.pauseMs, sample, this.baselineMs, this.options);
    if (before === 0 && this.pauseMs > 0) {
      this.logger.info('monolith latency is up: backfill slows down', { probe_ms: round(sample), baseline_ms: round(this.baselineMs), pause_ms: this.pauseMs });
    } else if (before > 0 && this.pauseMs === 0) {
      this.logger.info('monolith latency is back: backfill at full speed', { probe_ms: round(sample), baseline_ms: round(this.baselineMs), paused_ms: Math.round(this.pausedMs) });
    }
    if (this.pauseMs > 0) {
      await this.sleep(this.pauseMs);
      this.pausedMs += this.pauseMs;
    }
    return this.pauseMs;
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
