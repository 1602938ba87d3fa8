import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Units a metric name may end with (Prometheus naming: base units, plural, before `_total`). */
const UNIT_SUFFIXES = [
  '_seconds',
  '_bytes',
  '_rows',
  '_records',
  '_messages',
  '_events',
  '_ratio',
  '_info',
] as const;
const NAME = /^mch_[a-z][a-z0-9_]*[a-z0-9]$/;

/**
 * Checks a metric name against the house conventions: `mch_` prefix, snake case, counters end in
 * `_total`, nothing else does, and time/size use base units (`_seconds`, `_bytes`, never `_ms`/`_kb`).
 * Throws naming the rule, so a bad name fails at start-up (and in the unit spec), not in a dashboard.
 */
export function assertMetricName(name: string, type: 'counter' | 'gauge' | 'histogram'): void {
  if (!NAME.test(name)) throw new Error(`metric '${name}': must match ${NAME} (mch_ prefix, snake_case)`);
  if (type === 'counter' && !name.endsWith('_total'))
    throw new Error(`metric '${name}': a counter's name ends in _total`);
  if (type !== 'counter' && name.endsWith('_total'))
    throw new Error(`metric '${name}': only counters end in _total`);
  if (/_(ms|millis|milliseconds|kb|mb|kib|mib|minutes|hours)(_|$)/.test(name))
    throw new Error(`metric '${name}': use base units (_seconds, _bytes)`);
  if (type === 'histogram' && !UNIT_SUFFIXES.some((s) => name.endsWith(s)))
    throw new Error(`metric '${name}': a histogram's name ends in its unit (${UNIT_SUFFIXES.join(', ')})`);
}

export interface MetricSpec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface HistogramSpec<L extends string> extends MetricSpec<L> {
  buckets: number[];
}

/** Exponential buckets for batch sizes (1 .. 16384 records). */
export const BATCH_SIZE_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384];
/** Write latencies from 5 ms to 60 s. */
export const LATENCY_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type Collector = () => void | Promise<void>;

/**
 * One service's Prometheus registry: the process metrics (prom-client's defaults) plus what the
 * service's parts register here. Values kept elsewhere (stats objects, a store's state) are
 * copied in by collectors that run before every scrape, so they are never stale; a collector that
 * fails is counted in `mch_metrics_collector_errors_total` and the rest of the page is still served.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly collectors: { name: string; collect: Collector }[] = [];
  private readonly collectorErrors: Counter<'collector'>;

  constructor(
    readonly service: string,
    options: { defaultMetrics?: boolean } = {},
  ) {
    this.registry.setDefaultLabels({ service });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.collectorErrors = this.counter({
      name: 'mch_metrics_collector_errors_total',
      help: 'Collectors that failed while rendering /metrics (their series keep their last value)',
      labelNames: ['collector'],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  counter<L extends string = never>(spec: MetricSpec<L>): Counter<L> {
    assertMetricName(spec.name, 'counter');
    return (
      this.existing(spec.name) ??
      new Counter({ ...spec, labelNames: spec.labelNames ?? [], registers: [this.registry] })
    );
  }

  gauge<L extends string = never>(spec: MetricSpec<L>): Gauge<L> {
    assertMetricName(spec.name, 'gauge');
    return (
      this.existing(spec.name) ??
      new Gauge({ ...spec, labelNames: spec.labelNames ?? [], registers: [this.registry] })
    );
  }

  histogram<L extends string = never>(spec: HistogramSpec<L>): Histogram<L> {
    assertMetricName(spec.name, 'histogram');
    return (
      this.existing(spec.name) ??
      new Histogram({ ...spec, labelNames: spec.labelNames ?? [], registers: [this.registry] })
    );
  }

  /** Runs before every scrape (in registration order). */
  onCollect(name: string, collect: Collector): void {
    this.collectors.push({ name, collect });
  }

  async render(): Promise<string> {
    for (const c of this.collectors) {
      try {
        await c.collect();
      } catch {
        this.collectorErrors.inc({ collector: c.name });
      }
    }
    return this.registry.metrics();
  }

  // Two parts of one service may share a series (two consumer loops): the second gets the first's.
  private existing<M>(name: string): M | undefined {
    return this.registry.getSingleMetric(name) as M | undefined;
  }
}

/**
 * Keeps a monotonic counter equal to a running total kept elsewhere (a loop's stats object):
 * adds only the growth since the last sync, and never goes backwards when the source restarts at 0.
 */
export class CounterSync<L extends string> {
  private readonly seen = new Map<string, number>();

  constructor(private readonly counter: Counter<L>) {}

  set(labels: Partial<Record<L, string | number>>, total: number): void {
    const key = JSON.stringify(labels);
    const before = this.seen.get(key) ?? 0;
    // A source that restarted counts from 0 again: everything it has now is new.
    const delta = total >= before ? total - before : total;
    if (delta > 0) this.counter.inc(labels, delta);
    else if (!this.seen.has(key)) this.counter.inc(labels, 0);
    this.seen.set(key, total);
  }
}

/**
 * The one dead-letter series every stage shares (consumer loops, the event store's command consumer
 * and outbox relay), by stage and reason (error code); the same name from any stage is one series.
 */
export function deadLetterCounter(metrics: ServiceMetrics) {
  return metrics.counter({
    name: 'mch_dead_letters_total',
    help: 'Records sent to a dead-letter topic, by stage and reason (error code)',
    labelNames: ['stage', 'reason'],
  });
}
