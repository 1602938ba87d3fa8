import { DrainProgress } from './drain-progress';

describe('DrainProgress', () => {
  it('keeps waiting for as long as the backlog keeps shrinking, however long that takes', () => {
    const progress = new DrainProgress(10_000, 0);
    let now = 0;
    for (let backlog = 1_000_000; backlog > 0; backlog -= 1_000) {
      now += 5_000;
      expect(progress.observe(backlog, now)).toBe(false);
    }
    expect(now).toBeGreaterThan(60 * 60_000);
    expect(progress.observe(0, now + 1)).toBe(true);
  });

  it('fails once no new low was seen for the stall time, naming what was left', () => {
    const progress = new DrainProgress(10_000, 0);
    progress.observe(500, 1_000);
    progress.observe(400, 2_000);
    expect(progress.observe(450, 11_000)).toBe(false);
    expect(() => progress.observe(410, 12_001)).toThrow('the backlog stopped shrinking: 400 left, no progress for 10 s');
  });

  it('fails when no reading ever arrives', () => {
    const progress = new DrainProgress(10_000, 0);
    expect(progress.observe(null, 5_000)).toBe(false);
    expect(() => progress.observe(null, 10_001)).toThrow('unknown left');
  });

  it('reports the rate and the time left from the readings', () => {
    const progress = new DrainProgress(60_000, 0);
    expect(progress.describe(0)).toBe('no reading yet');
    progress.observe(10_000, 0);
    progress.observe(6_000, 10_000);
    expect(progress.describe(10_000)).toBe('6,000 left, 400/s, about 15 s to go');
  });
});
