export interface BenchResult {
  case: string;
  measured: string;
  rate: number;
  unit: string;
  baseline: string;
  baselineRate: number;
}

export function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  return work().then((result) => ({ result, seconds: (performance.now() - started) / 1000 }));
}

/** One line per comparison: our rate, the same-run baseline's rate, and their ratio. */
export function printResults(results: BenchResult[]): void {
  for (const r of results) {
    console.log(
      `${r.case.padEnd(24)} ${r.measured.padEnd(38)} ${r.rate.toFixed(0).padStart(9)} ${r.unit.padEnd(9)}` +
        ` | baseline ${r.baseline.padEnd(42)} ${r.baselineRate.toFixed(0).padStart(9)} ${r.unit.padEnd(9)}` +
        ` | ratio ${(r.rate / r.baselineRate).toFixed(2)}`,
    );
  }
}

/** Runs `work` for items 0..count-1 with at most `concurrency` in flight. */
export async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}
