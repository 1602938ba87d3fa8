import type { Counter, Gauge } from 'prom-client';
import type { ConsistencyReport } from '@mch/data-consistency';
import { ServiceMetrics } from '@mch/util-metrics';

/**
 * The latest report as Prometheus gauges, for alerts and the Argo Rollouts analysis: passed 0/1,
 * discrepancies by kind and rate per store pair, row counts per store, event-store problems. A
 * store that could not be read shows as pair_error 1 with its counts absent, never as 0 rows.
 */
export class ConsistencyMetrics {
  private readonly checks: Counter<string>;
  private readonly passed: Gauge<string>;
  private readonly lastRun: Gauge<string>;
  private readonly duration: Gauge<string>;
  private readonly rows: Gauge<string>;
  private readonly discrepancies: Gauge<string>;
  private readonly rate: Gauge<string>;
  private readonly pairPassed: Gauge<string>;
  private readonly pairError: Gauge<string>;
  private readonly undecodable: Gauge<string>;
  private readonly eventStore: Gauge<string>;

  /** The service's registry (served at /metrics); a registry of its own when used alone (specs, CLI). */
  constructor(
    private readonly metrics: ServiceMetrics = new ServiceMetrics('consistency-checker', {
      defaultMetrics: false,
    }),
  ) {
    this.checks = metrics.counter({
      name: 'mch_consistency_checks_total',
      help: 'Checks run by this process, by verdict (consistent, dead-lettered, inconsistent, unreadable; error: could not run)',
      labelNames: ['verdict'],
    });
    this.passed = this.gauge(
      'mch_consistency_check_passed',
      'Whether the latest check passed (1) or failed (0)',
      [],
    );
    this.lastRun = this.gauge(
      'mch_consistency_last_run_timestamp_seconds',
      'When the latest check finished',
      [],
    );
    this.duration = this.gauge(
      'mch_consistency_last_run_duration_seconds',
      'How long the latest check took',
      [],
    );
    this.rows = this.gauge('mch_consistency_rows', 'Live rows per entity and store in the latest check', [
      'entity',
      'store',
    ]);
    this.discrepancies = this.gauge(
      'mch_consistency_discrepancies',
      'Rows per kind of difference against PostgreSQL (in_flight and dead_lettered not counted as discrepancies)',
      ['entity', 'target', 'kind'],
    );
    this.rate = this.gauge(
      'mch_consistency_discrepancy_rate',
      'Discrepancies over the larger row count, per store pair',
      ['entity', 'target'],
    );
    this.pairPassed = this.gauge(
      'mch_consistency_pair_passed',
      'Whether the store pair is within the thresholds (1) or not (0)',
      ['entity', 'target'],
    );
    this.pairError = this.gauge(
      'mch_consistency_pair_error',
      'Whether a store of the pair could not be read (1)',
      ['entity', 'target'],
    );
    this.undecodable = this.gauge(
      'mch_consistency_undecodable_messages',
      'Messages on the entity topic that are not events',
      ['entity'],
    );
    this.eventStore = this.gauge(
      'mch_consistency_event_store_problems',
      'Event-store ordering problems by kind',
      ['kind'],
    );
    for (const verdict of ['consistent', 'dead-lettered', 'inconsistent', 'unreadable', 'error'])
      this.checks.inc({ verdict }, 0);
  }

  get registry() {
    return this.metrics.registry;
  }

  private gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
    return this.metrics.gauge({ name, help, labelNames });
  }

  /** A check that could not run at all (a store unreachable before any pair was compared). */
  checkFailed(): void {
    this.checks.inc({ verdict: 'error' });
  }

  /** A check that finished: its verdict is counted and its report becomes the gauges. */
  recordCheck(report: ConsistencyReport): void {
    this.checks.inc({ verdict: report.verdict });
    this.update(report);
  }

  update(report: ConsistencyReport): void {
    for (const g of [
      this.rows,
      this.discrepancies,
      this.rate,
      this.pairPassed,
      this.pairError,
      this.undecodable,
      this.eventStore,
    ])
      g.reset();
    this.passed.set(report.passed ? 1 : 0);
    this.lastRun.set(Date.parse(report.finishedAt) / 1000);
    this.duration.set(report.durationMs / 1000);
    for (const entity of report.entities) {
      for (const [store, count] of Object.entries(entity.counts))
        if (typeof count === 'number') this.rows.set({ entity: entity.entity, store }, count);
      this.undecodable.set({ entity: entity.entity }, entity.undecodableMessages.count);
      for (const pair of entity.pairs) {
        const labels = { entity: entity.entity, target: pair.target };
        this.pairPassed.set(labels, pair.passed ? 1 : 0);
        this.pairError.set(labels, pair.error ? 1 : 0);
        if (pair.error) continue;
        if (pair.discrepancyRate !== null) this.rate.set(labels, pair.discrepancyRate);
        if (pair.mode === 'content') {
          this.discrepancies.set({ ...labels, kind: 'missing' }, pair.missing.count);
          this.discrepancies.set({ ...labels, kind: 'extra' }, pair.extra.count);
          this.discrepancies.set({ ...labels, kind: 'different' }, pair.different.count);
          this.discrepancies.set({ ...labels, kind: 'in_flight' }, pair.inFlight.count);
          // Explained, not a discrepancy; shown so a dashboard sees what is left to replay.
          this.discrepancies.set({ ...labels, kind: 'dead_lettered' }, pair.deadLettered.count);
        } else if (pair.discrepancies !== null) {
          this.discrepancies.set({ ...labels, kind: 'count_difference' }, pair.discrepancies);
        }
      }
    }
    const e = report.eventStore;
    if (e) {
      this.eventStore.set({ kind: 'version_gaps' }, e.versionGaps);
      this.eventStore.set({ kind: 'duplicate_versions' }, e.duplicateVersions);
      this.eventStore.set({ kind: 'position_gaps' }, e.positionGaps.count);
      this.eventStore.set({ kind: 'pending_position_gaps' }, e.pendingPositionGaps.count);
    }
  }

  text(): Promise<string> {
    return this.metrics.render();
  }
}
