import { PassThrough } from 'node:stream';
import { createLogger } from '@mch/util-logger';
import { createProgressReporter, rateAndEta } from './progress.reporter';

function setup(tty: boolean) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 't', sink: (l) => lines.push(JSON.parse(l)) });
  const drawn: string[] = [];
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  (stream as unknown as PassThrough).on('data', (chunk: Buffer) => drawn.push(chunk.toString()));
  let clock = 0;
  const reporter = createProgressReporter({ logger, stream, tty, intervalMs: 5_000, now: () => clock });
  return { reporter, lines, drawn, tick: (ms: number) => (clock += ms) };
}

describe('createProgressReporter', () => {
  it('off a terminal writes throttled JSON lines with rate and ETA, the last one always, and draws nothing', () => {
    const { reporter, lines, drawn, tick } = setup(false);
    expect(reporter.mode).toBe('lines');
    const task = reporter.task('opportunity', 'backfill progress');
    tick(1_000);
    task.update({ done: 100, total: 1_000, fields: { failed: 0 } });
    tick(1_000);
    task.update({ done: 200, total: 1_000 }); // within 5 s of the last line: not written
    tick(4_000);
    task.update({ done: 600, total: 1_000 });
    tick(2_000);
    task.finish({ done: 1_000, total: 1_000 });
    reporter.stop();
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'backfill progress', task: 'opportunity', done: 100, total: 1_000, failed: 0, rate_per_second: 100, eta_seconds: 9 }),
      expect.objectContaining({ done: 600, rate_per_second: 100, eta_seconds: 4 }),
      expect.objectContaining({ done: 1_000, rate_per_second: 125, eta_seconds: 0, finished: true }),
    ]);
    expect(drawn.join('')).toBe('');
  });

  it('an unknown total gives eta_seconds null', () => {
    const { reporter, lines, tick } = setup(false);
    const task = reporter.task('check', 'check progress');
    tick(2_000);
    task.update({ done: 50, total: null });
    expect(lines[0]).toMatchObject({ total: null, rate_per_second: 25, eta_seconds: null });
  });

  it('on a terminal draws a bar with the count and rate, and logs no progress line', async () => {
    const { reporter, lines, drawn, tick } = setup(true);
    expect(reporter.mode).toBe('bar');
    const task = reporter.task('opportunity', 'backfill progress');
    tick(2_000);
    task.update({ done: 40, total: 100 });
    task.finish({ done: 100, total: 100 });
    reporter.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(drawn.join('')).toMatch(/opportunity \[.*\] 100% \| 100\/100/);
    expect(lines).toEqual([]);
  });

  it('rateAndEta: units per second since the start, seconds left at that rate', () => {
    expect(rateAndEta(500, 2_000, 10_000)).toEqual({ rate: 50, eta: 30 });
    expect(rateAndEta(0, 100, 1_000)).toEqual({ rate: 0, eta: null });
  });
});
