import type { Kafka } from 'kafkajs';
import { createMigratedDatabase } from '@mch/testing-stack';
import { buildApps } from '../demo/build-apps';
import { NoiseLog } from '../demo/service-process';
import { shardedBackfill } from './sharded-backfill';
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
      const { seconds, peakRssMiB } = await shardedBackfill(admin, db.name, opportunities, shards, noise);
      rates.set(shards, opportunities / seconds);
      console.log(
        `shards: ${shards} shard(s) backfilled ${opportunities} opportunities in ${seconds.toFixed(1)} s (process start included); peak RSS ${peakRssMiB.map((m) => m.toFixed(0)).join(' / ')} MiB`,
      );
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
