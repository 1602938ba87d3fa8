import type { Kafka } from 'kafkajs';
import { createMigratedDatabase } from '@mch/testing-stack';
import { buildApps } from '../demo/build-apps';
import { NoiseLog, startEntry } from '../demo/service-process';
import type { BenchResult } from './bench-report';

const SHARDS = [1, 2, 4] as const;

/**
 * Backfill throughput with 1, 2 and 4 shards of the Indexed Job (docs/scaling.md): each shard is
 * its own process running the built entry point (`main.js backfill`, as its pod does), all shards
 * started together, timed until the last one exits. Same table, same broker, a fresh run (its own
 * topics, slot and checkpoints) per shard count. The baseline is the 1-shard run of the same
 * session, so the ratio is the scaling factor.
 */
export async function benchShards(kafka: Kafka, opportunities: number): Promise<BenchResult[]> {
  const db = await createMigratedDatabase('bench_shards', { load: { opportunities, seed: 5 } });
  const admin = kafka.admin();
  await admin.connect();
  const noise = new NoiseLog();
  try {
    await buildApps(['kafka-migrator']);
    const rates = new Map<number, number>();
    for (const shards of SHARDS) {
      const run = `bench-shards-${shards}-${Date.now()}`;
      const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
        ...process.env,
        PGDATABASE: db.name,
        MIGRATION_RUN: run,
        ENTITIES: 'opportunity',
        CAPTURE_MODE: 'logical',
        TOPIC_PREFIX: `${run}.`,
        LOG_LEVEL: 'warn',
        // The measurement is of the backfill itself; nothing else runs against this database.
        BACKFILL_LATENCY_FACTOR: '0',
        ...extra,
      });
      const setup = startEntry('setup-capture', 'kafka-migrator', ['setup-capture'], env(), noise);
      if ((await setup.exited) !== 0) throw new Error(`setup-capture failed\n${setup.output()}`);
      const started = performance.now();
      const jobs = Array.from({ length: shards }, (_, index) =>
        startEntry(`backfill-${index}-of-${shards}`, 'kafka-migrator', ['backfill', '--json'], env({ SHARD_COUNT: String(shards), SHARD_INDEX: String(index), HOSTNAME: `backfill-${index}` }), noise),
      );
      const codes = await Promise.all(jobs.map((j) => j.exited));
      const seconds = (performance.now() - started) / 1000;
      codes.forEach((code, i) => {
        if (code !== 0) throw new Error(`shard ${i} of ${shards} exited ${code}\n${jobs[i].output().slice(-3_000)}`);
      });
      const published = jobs
        .flatMap((j) => j.results())
        .map((line) => JSON.parse(line) as { result?: { summaries?: { published: number }[] } })
        .flatMap((r) => r.result?.summaries ?? [])
        .reduce((n, s) => n + s.published, 0);
      if (published !== opportunities) throw new Error(`${shards} shards published ${published} of ${opportunities}`);
      rates.set(shards, opportunities / seconds);
      console.log(`shards: ${shards} shard(s) backfilled ${opportunities} opportunities in ${seconds.toFixed(1)} s (process start included)`);
      const teardown = startEntry('teardown-capture', 'kafka-migrator', ['teardown-capture'], env(), noise);
      await teardown.exited;
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${run}.`) || t.startsWith(`dlq.${run}.`));
      await admin.deleteTopics({ topics }).catch(() => undefined);
    }
    if (noise.lines.length > 0) console.log(`shards: ${noise.lines.length} warning/error lines (above)`);
    const one = rates.get(1) ?? 0;
    return SHARDS.filter((n) => n > 1).map((n) => ({
      case: 'backfill shards',
      measured: `${opportunities} opportunities, ${n} shard processes`,
      rate: rates.get(n) ?? 0,
      unit: 'rows/s',
      baseline: '1 shard process, same run',
      baselineRate: one,
    }));
  } finally {
    await admin.disconnect();
    await db.drop();
  }
}
