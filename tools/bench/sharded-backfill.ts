import type { Admin } from 'kafkajs';
import { PeakRss } from '../demo/peak-rss';
import { NoiseLog, startEntry } from '../demo/service-process';

/**
 * One backfill of the database's opportunities by `shards` processes of the built kafka-migrator
 * entry point (`main.js backfill --json`, as the Indexed Job's pods run it), all started together,
 * on a fresh run (its own topics, slot and checkpoints, removed after). Returns the seconds from
 * the first process's start to the last one's exit (process start-up included) and each shard's
 * peak RSS (the pod's memory limit is what it must stay under). The caller builds the app first
 * (buildApps).
 */
export async function shardedBackfill(
  admin: Admin,
  database: string,
  opportunities: number,
  shards: number,
  noise: NoiseLog,
): Promise<{ seconds: number; peakRssMiB: number[] }> {
  const run = `bench-shards-${shards}-${Date.now()}`;
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    PGDATABASE: database,
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
  try {
    const started = performance.now();
    const jobs = Array.from({ length: shards }, (_, index) =>
      startEntry(
        `backfill-${index}-of-${shards}`,
        'kafka-migrator',
        ['backfill', '--json'],
        env({ SHARD_COUNT: String(shards), SHARD_INDEX: String(index), HOSTNAME: `backfill-${index}` }),
        noise,
        { manifest: 'jobs/kafka-migrator-backfill.yaml' },
      ),
    );
    const rss = new PeakRss();
    rss.watch(...jobs);
    const codes = await Promise.all(jobs.map((j) => j.exited));
    const seconds = (performance.now() - started) / 1000;
    const peaks = new Map(await rss.stop());
    codes.forEach((code, i) => {
      if (code !== 0) throw new Error(`shard ${i} of ${shards} exited ${code}\n${jobs[i].output().slice(-3_000)}`);
    });
    const published = jobs
      .flatMap((j) => j.results())
      .map((line) => JSON.parse(line) as { result?: { summaries?: { published: number }[] } })
      .flatMap((r) => r.result?.summaries ?? [])
      .reduce((n, s) => n + s.published, 0);
    if (published !== opportunities) throw new Error(`${shards} shards published ${published} of ${opportunities}`);
    return { seconds, peakRssMiB: jobs.map((j) => peaks.get(j.name) ?? 0) };
  } finally {
    const teardown = startEntry('teardown-capture', 'kafka-migrator', ['teardown-capture'], env(), noise);
    await teardown.exited;
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${run}.`) || t.startsWith(`dlq.${run}.`));
    await admin.deleteTopics({ topics }).catch(() => undefined);
  }
}
