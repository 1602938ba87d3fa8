/** Exponential back-off with a cap and up to 20 % jitter, so failed rows do not retry in lockstep. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (1 - 0.2 * random()));
}
