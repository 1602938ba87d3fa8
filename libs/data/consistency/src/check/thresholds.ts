import type { Thresholds } from '../report/consistency-report';

/** The plan's numbers: an absolute 100 (its count check) and its success metric, below 0.01%. */
export const PLAN_THRESHOLDS: Thresholds = { maxDiscrepancies: 100, maxDiscrepancyRate: 0.0001 };

/**
 * Discrepancies over the larger of the two row counts. Both stores empty: 0, since there is
 * nothing to disagree about; never NaN (the first attempt divided by zero and NaN passed every
 * comparison).
 */
export function discrepancyRate(discrepancies: number, sourceRows: number, targetRows: number): number {
  const base = Math.max(sourceRows, targetRows);
  if (discrepancies === 0) return 0;
  return base === 0 ? 1 : discrepancies / base;
}

/** Why a pair's discrepancies break the thresholds (empty: they do not). */
export function thresholdBreaches(discrepancies: number, rate: number, thresholds: Thresholds): string[] {
  const reasons: string[] = [];
  if (discrepancies > thresholds.maxDiscrepancies)
    reasons.push(`${discrepancies} discrepancies exceed the limit of ${thresholds.maxDiscrepancies}`);
  if (discrepancies > 0 && rate >= thresholds.maxDiscrepancyRate) {
    reasons.push(
      `discrepancy rate ${(rate * 100).toPrecision(3)}% reaches the limit of ${(thresholds.maxDiscrepancyRate * 100).toPrecision(3)}%`,
    );
  }
  return reasons;
}
