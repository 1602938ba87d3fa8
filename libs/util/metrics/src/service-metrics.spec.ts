import { CounterSync, ServiceMetrics, assertMetricName } from './service-metrics';
import { metricNamesInPromQL, parseExposition, sumOf } from './exposition.parser';

describe('assertMetricName', () => {
  it.each([
    ['mch_rows_written_total', 'counter'],
    ['mch_batch_write_duration_seconds', 'histogram'],
    ['mch_wal_retained_bytes', 'gauge'],
  ] as const)('accepts %s as a %s', (name, type) => expect(() => assertMetricName(name, type)).not.toThrow());

  it.each([
    ['rows_total', 'counter', 'mch_ prefix'],
    ['mch_rows_written', 'counter', 'ends in _total'],
    ['mch_rows_total', 'gauge', 'only counters'],
    ['mch_write_latency_ms', 'gauge', 'base units'],
    ['mch_batch', 'histogram', 'its unit'],
    ['mch_Bad', 'gauge', 'snake_case'],
  ] as const)('refuses %s as a %s (%s)', (name, type, why) =>
    expect(() => assertMetricName(name, type)).toThrow(why),
  );
});

describe('ServiceMetrics', () => {
  it('renders registered series with the service label, after running collectors', async () => {
    const m = new ServiceMetrics('svc-a', { defaultMetrics: false });
    const gauge = m.gauge({ name: 'mch_things_bytes', help: 'h', labelNames: ['slot'] });
    let value = 1;
    m.onCollect('things', () => gauge.set({ slot: 's1' }, value));
    value = 42;
    const samples = parseExposition(await m.render());
    expect(samples).toContainEqual({
      name: 'mch_things_bytes',
      labels: { service: 'svc-a', slot: 's1' },
      value: 42,
    });
  });

  it('keeps serving when a collector throws, and counts the failure', async () => {
    const m = new ServiceMetrics('svc-b', { defaultMetrics: false });
    const ok = m.gauge({ name: 'mch_ok_rows', help: 'h' });
    m.onCollect('broken', () => {
      throw new Error('store down');
    });
    m.onCollect('fine', () => ok.set(3));
    const samples = parseExposition(await m.render());
    expect(sumOf(samples, 'mch_ok_rows')).toBe(3);
    expect(sumOf(samples, 'mch_metrics_collector_errors_total', { collector: 'broken' })).toBe(1);
  });

  it('returns the same series when two parts register one name', () => {
    const m = new ServiceMetrics('svc-c', { defaultMetrics: false });
    expect(m.counter({ name: 'mch_x_total', help: 'h' })).toBe(m.counter({ name: 'mch_x_total', help: 'h' }));
  });

  it('includes the process metrics by default', async () => {
    const samples = parseExposition(await new ServiceMetrics('svc-d').render());
    expect(samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
  });
});

describe('CounterSync', () => {
  it('adds only the growth of a running total and survives the source restarting', async () => {
    const m = new ServiceMetrics('svc-e', { defaultMetrics: false });
    const sync = new CounterSync(m.counter({ name: 'mch_done_total', help: 'h', labelNames: ['topic'] }));
    sync.set({ topic: 't' }, 5);
    sync.set({ topic: 't' }, 8);
    sync.set({ topic: 't' }, 2); // restarted: 2 new
    expect(sumOf(parseExposition(await m.render()), 'mch_done_total', { topic: 't' })).toBe(10);
  });

  it('shows a zero series before anything happened', async () => {
    const m = new ServiceMetrics('svc-f', { defaultMetrics: false });
    new CounterSync(m.counter({ name: 'mch_none_total', help: 'h', labelNames: ['topic'] })).set(
      { topic: 't' },
      0,
    );
    expect(sumOf(parseExposition(await m.render()), 'mch_none_total', { topic: 't' })).toBe(0);
  });
});

describe('parseExposition', () => {
  it('reads labels with escapes and refuses a malformed line', () => {
    expect(parseExposition('# HELP x y\nm_total{a="q\\"u",b="2"} 7\n')).toEqual([
      { name: 'm_total', labels: { a: 'q"u', b: '2' }, value: 7 },
    ]);
    expect(() => parseExposition('not a line at all {')).toThrow('not a metric line');
  });
});

describe('metricNamesInPromQL', () => {
  it('finds every mch_ metric once, histogram series folded onto their metric', () => {
    expect(
      metricNamesInPromQL(
        'histogram_quantile(0.95, sum by (le) (rate(mch_a_seconds_bucket[5m]))) / on (x) mch_b_bytes + mch_a_seconds_count',
      ),
    ).toEqual(['mch_a_seconds', 'mch_b_bytes']);
  });
});
