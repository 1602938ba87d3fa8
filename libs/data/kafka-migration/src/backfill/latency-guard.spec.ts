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

  it('pauses after chunks while the median of the last three probes is high and not once it falls back', async () => {
    // Calibration (7 probes), then one probe per chunk: the median turns slow at chunk 2 and fast at chunk 5.
    const latencies = [2, 2, 2, 2, 2, 2, 2, /* chunks */ 9, 9, 9, 2, 2];
    const slept: number[] = [];
    const guard = new LatencyGuard(async () => latencies.shift() ?? 2, options, quiet, async (ms) => void slept.push(ms));
    expect(await guard.calibrate()).toBe(2);
    const pauses = [];
    for (let chunk = 0; chunk < 5; chunk++) pauses.push(await guard.afterChunk());
    expect(pauses).toEqual([0, 50, 100, 200, 100]);
    expect(slept).toEqual([50, 100, 200, 100]);
    expect(guard.pausedMs).toBe(450);
  });

  it('probes at most once per interval and keeps the pause it has between probes', async () => {
    let clock = 0;
    let probes = 0;
    const latencies = [2, 2, 2, 2, 2, 2, 2, 9, 9, 9];
    const guard = new LatencyGuard(async () => (probes++, latencies.shift() ?? 9), { ...options, probeIntervalMs: 1_000 }, quiet, async () => undefined, () => clock);
    await guard.calibrate();
    const pauses = [];
    // Chunks every 400 ms: a probe at 0, 1,200, 2,400 and 3,600 ms only.
    for (let chunk = 0; chunk < 10; chunk++, clock += 400) pauses.push(await guard.afterChunk());
    expect(probes).toBe(7 + 4);
    expect(pauses).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 200]);
  });

  it('does nothing with factor 0', async () => {
    let probes = 0;
    const guard = new LatencyGuard(async () => (probes++, 100), { ...options, factor: 0 }, quiet);
    expect(await guard.calibrate()).toBeNull();
    expect(await guard.afterChunk()).toBe(0);
    expect(probes).toBe(0);
  });
});
