import { databaseCoresFromEnv, runDemo } from '../demo/run-demo';
import type { BenchResult } from './bench-report';

/** Issue #16's goals for the whole migration on one 2-core machine. */
const GOALS = { migrationSeconds: 15 * 60, p99Ratio: 1.5, rssMiB: 512 };

const verdictOf = (ok: boolean) => (ok ? 'met' : 'NOT MET');

/**
 * The main job at scale: `opportunities` with their related rows loaded into the monolith, then
 * the whole migration through the apps' entry points (change capture, backfill shards, event store,
 * populator, indexer) with the monolith workload writing and reading throughout, to the checker's
 * content verdict over every entity (tools/demo/run-demo.ts, the same code `npm run demo` runs).
 * Prints the goals beside what was measured; the rate line's baseline is the goal's rate (every
 * loaded row in 15 minutes), so its ratio is 1.00 or more when the time goal is met.
 */
export async function benchE2e(opportunities: number): Promise<BenchResult[]> {
  // MCH_DEMO_DB_CORES=own: the monolith's database served first, as on its own nodes (run-demo.ts).
  const databaseCores = databaseCoresFromEnv();
  const outcome = await runDemo({ opportunities, writesPerSecond: 40, readsPerSecond: 40, baselineSeconds: 20, tailSeconds: 5, shards: 2, databaseCores });
  const { before, during } = outcome.readP99Ms;
  const ratio = before && during ? during / before : null;
  console.log(`\ne2e: ${opportunities} opportunities, ${outcome.rowsLoaded} rows loaded in ${outcome.loadSeconds.toFixed(0)} s (not part of the migration)`);
  console.log(`e2e goal: migration to a CONSISTENT verdict in < ${GOALS.migrationSeconds} s: ${outcome.migrationSeconds.toFixed(0)} s, verdict exit ${outcome.verdict} -> ${verdictOf(outcome.migrationSeconds < GOALS.migrationSeconds && outcome.verdict === 0)}`);
  console.log(
    `e2e goal: workload read p99 during <= ${GOALS.p99Ratio}x before (database cores ${databaseCores}): before ${before?.toFixed(1) ?? '-'} ms, during ${during?.toFixed(1) ?? '-'} ms, ` +
      // Three decimals: 1.503 printed as "1.50x -> NOT MET" read as a contradiction.
      `${ratio?.toFixed(3) ?? '-'}x -> ${verdictOf(ratio !== null && ratio <= GOALS.p99Ratio)}`,
  );
  for (const [name, mib] of outcome.peakRssMiB) console.log(`e2e goal: peak RSS < ${GOALS.rssMiB} MiB: ${name} ${mib.toFixed(0)} MiB -> ${verdictOf(mib < GOALS.rssMiB)}`);
  console.log(`e2e: warning/error lines ${outcome.noiseLines}, workload failures ${outcome.workloadFailures}`);
  if (outcome.verdict !== 0) throw new Error(`e2e: the checker's verdict was exit ${outcome.verdict}, not CONSISTENT`);
  return [
    {
      case: 'e2e migration',
      measured: `${opportunities} opp., ${outcome.rowsLoaded} rows, to verdict`,
      rate: outcome.rowsLoaded / outcome.migrationSeconds,
      unit: 'rows/s',
      baseline: 'goal: every row in 15 min',
      baselineRate: outcome.rowsLoaded / GOALS.migrationSeconds,
    },
  ];
}
