import { PLAN_THRESHOLDS, discrepancyRate, thresholdBreaches } from './thresholds';

describe('discrepancy rate and thresholds', () => {
  it('is never NaN: empty stores agree (0), rows against an empty store disagree completely (1)', () => {
    expect(discrepancyRate(0, 0, 0)).toBe(0);
    expect(discrepancyRate(5, 0, 5)).toBe(1);
    expect(discrepancyRate(3, 1_000, 997)).toBe(0.003);
  });

  it("expresses both of the plan's limits: more than 100 discrepancies, or a rate of 0.01% and above", () => {
    expect(thresholdBreaches(0, 0, PLAN_THRESHOLDS)).toEqual([]);
    expect(thresholdBreaches(99, 99 / 1_000_000, PLAN_THRESHOLDS)).toEqual([]);
    expect(thresholdBreaches(101, 101 / 10_000_000, PLAN_THRESHOLDS)).toEqual([
      '101 discrepancies exceed the limit of 100',
    ]);
    expect(thresholdBreaches(1, 1 / 10_000, PLAN_THRESHOLDS)).toEqual([
      'discrepancy rate 0.0100% reaches the limit of 0.0100%',
    ]);
    expect(thresholdBreaches(1, 1 / 10_000, { maxDiscrepancies: 0, maxDiscrepancyRate: 1 })).toEqual([
      '1 discrepancies exceed the limit of 0',
    ]);
  });
});
