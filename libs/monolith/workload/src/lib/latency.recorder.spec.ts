import { LatencyRecorder, nearestRank } from './latency.recorder';

describe('LatencyRecorder', () => {
  it('answers p50 and p99 by nearest rank per phase and kind', () => {
    const recorder = new LatencyRecorder();
    for (let ms = 1; ms <= 100; ms++) recorder.record('before', 'read', ms);
    recorder.record('during', 'read', 7);
    expect(recorder.summary('before', 'read')).toEqual({ count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100 });
    expect(recorder.summary('during', 'read')).toEqual({ count: 1, p50Ms: 7, p99Ms: 7, maxMs: 7 });
  });

  it('has no summary for a pair nothing was recorded for', () => {
    const recorder = new LatencyRecorder();
    recorder.record('before', 'write', 3);
    expect(recorder.summary('before', 'read')).toBeNull();
    expect(recorder.summary('during', 'write')).toBeNull();
  });

  it('takes the rank from the top for small sets', () => {
    expect(nearestRank([1, 2, 3], 0.99)).toBe(3);
    expect(nearestRank([1, 2, 3], 0.5)).toBe(2);
    expect(() => nearestRank([], 0.5)).toThrow('no samples');
  });
});
