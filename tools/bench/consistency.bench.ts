import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import {
  ConsistencyChecker,
  DEFAULT_CHECK_OPTIONS,
  type ConsistencyCheckOptions,
  type ConsistencyReport,
} from '@mch/data-consistency';
import { migrateIntoStores } from '@mch/data-consistency/testing';
import { connectWeaviate } from '@mch/infra-weaviate';
import { loadMonolith } from '@mch/monolith-fixture';
import { migrateUp, schemaMigrationDataSource } from '@mch/data-schema-migrations';
import { createMigratedDatabase } from '@mch/testing-stack';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { timed, type BenchResult } from './bench-report';

/** Prints the checker's own timing lines (each store's read), nothing else. */
const logger = createLogger({
  service: 'bench',
  level: 'info',
  sink: (line) => {
    const record = JSON.parse(line) as { msg: string; store?: string; rows?: number; seconds?: number };
    if (record.msg === 'store read')
      console.log(`    ${record.store} read: ${record.rows} rows in ${record.seconds} s`);
  },
});
const NOTHING_BUT_OPPORTUNITIES = {
  proposals: 0,
  contractDocuments: 0,
  savedOpportunities: 0,
  usageRecords: 0,
};

function assertClean(report: ConsistencyReport, rows: number, what: string): void {
  const pairs = report.entities.flatMap((e) => e.pairs);
  const wrong = pairs.filter((p) => p.discrepancies !== 0 || p.sourceRows !== rows || p.targetRows !== rows);
  if (!report.passed || wrong.length > 0 || pairs.length !== 3) {
    throw new Error(
      `${what} did not find ${rows} identical rows in every store: ${JSON.stringify(report.failures)} ${JSON.stringify(wrong.map((p) => [p.target, p.sourceRows, p.targetRows, p.discrepancies]))}`,
    );
  }
}

/**
 * A full content check of `rows` opportunities (every mapped field each store holds, row by row
 * through segment hashes) across PostgreSQL, Kafka, ClickHouse and Weaviate with no differences,
 * against a count-only check of the same stores in the same run: exact PostgreSQL count, Kafka's
 * live keys (the topic read to the end, newest version per key), ClickHouse's deduplicated count,
 * Weaviate's aggregate count. Both checks run twice, alternately; the faster of each is reported.
 */
export async function benchConsistency(kafka: Kafka, rows: number): Promise<BenchResult[]> {
  const setupStarted = performance.now();
  // The monolith's rows come first and the toolkit's migrations after, as in a real deployment.
  const db = await createMigratedDatabase('bench_consistency', { migrations: false });
  const weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
  try {
    await loadMonolith(db.pool, {
      opportunities: rows,
      seed: 7,
      ratios: NOTHING_BUT_OPPORTUNITIES,
      concurrency: 4,
    });
    const migrations = schemaMigrationDataSource(db.config, 'bench-consistency');
    await migrations.initialize();
    await migrateUp(migrations).finally(() => migrations.destroy());
    await db.pool.query('VACUUM ANALYZE opportunities');
    return await measure(db.pool, kafka, weaviate, rows, setupStarted);
  } finally {
    await weaviate.close();
    await db.drop();
  }
}

async function measure(
  pool: Pool,
  kafka: Kafka,
  weaviate: WeaviateClient,
  rows: number,
  setupStarted: number,
): Promise<BenchResult[]> {
  const stores = await migrateIntoStores(pool, kafka, weaviate, 'bench', {
    entities: ['opportunity'],
    chunkRows: 10_000,
    vectorDimensions: 16,
    weaviateWrites: 'direct',
    // The check never reads vectors; building an HNSW graph of a million would only lengthen the setup.
    weaviateVectors: false,
    onProgress: (_, n) => {
      if (n % 100_000 === 0) console.log(`  setup: ${n} of ${rows} opportunities in all four stores`);
    },
  });
  const writes = Object.entries(stores.timings)
    .map(([store, seconds]) => `${store} ${seconds.toFixed(0)} s`)
    .join(', ');
  console.log(
    `  setup: ${rows} opportunities in PostgreSQL, Kafka, ClickHouse and Weaviate in ${((performance.now() - setupStarted) / 1000).toFixed(0)} s (writes: ${writes})`,
  );
  try {
    const checker = new ConsistencyChecker(stores.stores);
    const options = (mode: ConsistencyCheckOptions['mode']): ConsistencyCheckOptions => ({
      ...DEFAULT_CHECK_OPTIONS,
      mode,
      entities: ['opportunity'],
      topicFor: stores.topicFor,
      migrationId: stores.run.migrationId,
      eventStore: null,
      logger,
    });
    const runs: { counts: number[]; content: number[] } = { counts: [], content: [] };
    for (let round = 0; round < 2; round++) {
      for (const mode of ['counts', 'content'] as const) {
        const { result, seconds } = await timed(() => checker.run(options(mode)));
        assertClean(result, rows, `${mode} check`);
        runs[mode].push(seconds);
        const pairs = result.entities[0].pairs
          .map((p) => `${p.target} ${p.stats.seconds.toFixed(1)} s`)
          .join(', ');
        console.log(
          `  ${mode.padEnd(7)} check round ${round + 1}: ${seconds.toFixed(1)} s${mode === 'content' ? ` (pairs after their reads: ${pairs})` : ''}`,
        );
      }
    }
    const content = Math.min(...runs.content);
    const counts = Math.min(...runs.counts);
    console.log(
      `  content check ${content.toFixed(1)} s vs count-only ${counts.toFixed(1)} s: ${(content / counts).toFixed(2)}x the time (target <= 5x)`,
    );
    return [
      {
        case: 'consistency',
        measured: `content check, ${rows} rows x 4 stores`,
        rate: rows / content,
        unit: 'rows/s',
        baseline: 'count-only check, same stores, same run',
        baselineRate: rows / counts,
      },
    ];
  } finally {
    await stores.close();
  }
}
