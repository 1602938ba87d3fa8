import { createLogger } from '@mch/util-logger';
import { LatencyGuard, nextPause } from './latency-guard';

const options = { factor: 1.5, maxPauseMs: 2_000 };

describe('nextPause', () => {
  it('starts pausing at 50 ms and doubles while the probe stays above factor x baseline, up to the ceiling', () => {
    let pause = 0;
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) seen.push((pause = nextPause(pause, 20, 4, options)));
    expect(seen).toEqual([50, 100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });

  it('halves the pause once the probe is fast again, and stops below 10 ms', () => {
    let pause = 400;
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) seen.push((pause = nextPause(pause, 4.5, 4, options)));
    expect(seen).toEqual([200, 100, 50, 25, 12.5, 0, 0]);
  });

  it('ignores sub-millisecond noise on an idle server (0.3 ms to 0.9 ms is 3x but not slow)', () => {
    expect(nextPause(0, 0.9, 0.3, options)).toBe(0);
    expect(nextPause(0, 2.5, 0.3, options)).toBe(50);
  });
});

describe('LatencyGuard', () => {
  const quiet = createLogger({ service: 'test', level: 'error', sink: () => undefined });

  it('pauses after chunks while the measured latency is high and not once it falls back', async () => {
    const latencies = [2, 2, 2, 2, 2, 2, 2, /* chunk 1 */ 9, 9, 9, /* chunk 2 */ 9, 9, 9, /* chunk 3 */ 2, 2, 2];
    const slept: number[] = [];
    const guard = new LatencyGuard(async () => latencies.shift() ?? 2, options, quiet, async (ms) => void slept.push(ms));
    expect(await guard.calibrate()).toBe(2);
    expect([await guard.afterChunk(), await guard.afterChunk(), await guard.afterChunk()]).toEqual([50, 100, 50]);
    expect(slept).toEqual([50, 100, 50]);
    expect(guard.pausedMs).toBe(200);
  });

  it('does nothing with factor 0', async () => {
    let probes = 0;
    const guard = new LatencyGuard(async () => (probes++, 100), { ...options, factor: 0 }, quiet);
    expect(await guard.calibrate()).toBeNull();
    expect(await guard.afterChunk()).toBe(0);
    expect(probes).toBe(0);
  });
});
