import { retryDelayMs } from './outbox-backoff';

describe('retryDelayMs', () => {
  it('doubles with every attempt', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 100, 60_000, () => 0))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the cap', () => {
    expect(retryDelayMs(40, 100, 60_000, () => 0)).toBe(60_000);
  });

  it('jitters down by at most 20 %', () => {
    expect(retryDelayMs(3, 100, 60_000, () => 1)).toBe(320);
  });
});
