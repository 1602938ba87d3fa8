import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { DEFAULT_KAFKA_PRODUCER_CLIENT, type KafkaProducerClient } from '@mch/util-config';
import { ENTITY_SOURCES, runBackfill, sourceColumns, type RawRow } from '@mch/data-kafka-migration';
import { createMigratedDatabase } from '@mch/testing-stack';
import { createLogger } from '@mch/util-logger';
import { buildMigrator, kafkaMigratorConfigSchema } from '@mch/feature-kafka-migrator';
import { timed, type BenchResult } from './bench-report';
import { createTopicsAndWait } from '@mch/infra-kafka';
import { ENTITY_TOPICS } from '@mch/contracts';
import { debeziumSnapshotSeconds } from './peers/debezium.peer';
import { buildApps } from '../demo/build-apps';
import { NoiseLog } from '../demo/service-process';
import { shardedBackfill } from './sharded-backfill';

const ROOT = path.resolve(__dirname, '../..');
/** Rows the plan's loop (one awaited send per row) is timed on. */
const PLAN_LOOP_SAMPLE = 20_000;

/** Kafka's own producer benchmark, from the same jars the local broker runs. */
function producerPerfTest(topic: string, records: number, recordSize: number): number {
  const versions = spawnSync(
    'bash',
    ['-c', `source ${ROOT}/tools/stack/versions.env && echo $KAFKA_VERSION`],
    { encoding: 'utf8' },
  ).stdout.trim();
  const libs = path.join(
    process.env.MCH_CACHE_DIR ?? path.join(os.homedir(), '.cache/medcontracthub'),
    `kafka-${versions}/libs/*`,
  );
  const result = spawnSync(
    'java',
    [
      '-Xmx1g',
      '-cp',
      libs,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      String(recordSize),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${process.env.KAFKA_BROKERS}`,
      'acks=all',
      'enable.idempotence=true',
      'linger.ms=5',
      'batch.size=262144',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const match = /([\d.]+) records\/sec/.exec(result.stdout.trim().split('\n').at(-1) ?? '');
  if (!match) throw new Error(`kafka-producer-perf-test gave no rate:\n${result.stdout}\n${result.stderr}`);
  return Number(match[1]);
}

/** One timed backfill of every row into topics of its own (deleted after), through the given producer client. */
async function timedBackfill(
  kafka: Kafka,
  db: { pool: Pool },
  opportunities: number,
  client: KafkaProducerClient,
): Promise<number> {
  const logger = createLogger({ service: 'bench', level: 'error', sink: () => undefined });
  // Its own topics, deleted afterwards: a million events must not stay on the stack's shared ones.
  const prefix = `bench-${Date.now()}.`;
  const app = kafkaMigratorConfigSchema.parse({
    MIGRATION_RUN: `bench-${client}-${Date.now()}`,
    ENTITIES: 'opportunity',
    CAPTURE_MODE: 'logical',
    TOPIC_PREFIX: prefix,
  });
  const parts = await buildMigrator(db.pool, kafka, logger, app, { producerClient: client });
  try {
    await parts.capture.setup();
    const backfill = await timed(() =>
      runBackfill(
        { pool: db.pool, publisher: parts.publisher, checkpoints: parts.checkpoints, logger },
        {
          entity: 'opportunity',
          run: parts.run,
          shard: { index: 0, count: 1 },
          batchSize: app.BATCH_SIZE,
          chunkMaxBytes: app.BACKFILL_CHUNK_MAX_BYTES,
          captureMode: 'logical',
          owner: 'bench',
          leaseTtlMs: 600_000,
          maxRowsPerSecond: 0,
          slowAckMs: 60_000,
          maxRetainedWalBytes: 0,
        },
      ),
    );
    if (backfill.result.published !== opportunities)
      throw new Error(`${client}: published ${backfill.result.published} of ${opportunities}`);
    return backfill.seconds;
  } finally {
    await parts.capture.teardown();
    await parts.close();
    const admin = kafka.admin();
    await admin.connect();
    const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await admin.deleteTopics({ topics: own }).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * Backfill rows/s of N opportunities with their real column widths, through the producer client
 * the product ships with (KAFKA_PRODUCER_CLIENT's default) and through the other one, against
 * (a) the plan's loop, one awaited send per row, measured on a sample of the same rows, (b) Kafka's
 * own producer perf test sending N records of the same average size to the same broker, and (c)
 * Debezium's initial snapshot of the same table, also against two shard processes of the built
 * entry point (the Indexed Job as deployed).
 */
export async function benchKafkaMigrator(kafka: Kafka, opportunities: number): Promise<BenchResult[]> {
  const db = await createMigratedDatabase('bench_backfill', { load: { opportunities, seed: 5 } });
  try {
    const shipped = DEFAULT_KAFKA_PRODUCER_CLIENT;
    const other: KafkaProducerClient = shipped === 'kafkajs' ? 'platformatic' : 'kafkajs';
    const seconds = { [shipped]: await timedBackfill(kafka, db, opportunities, shipped), [other]: await timedBackfill(kafka, db, opportunities, other) } as Record<KafkaProducerClient, number>;
    let sizes = 0;
    {
      // The plan's loop on a sample: read rows, send each one and await it. 5,000 rows (about 2 s)
      // gave 1,737-2,709 rows/s across runs of one session; 20,000 rows steady the baseline.
      const sample = Math.min(opportunities, PLAN_LOOP_SAMPLE);
      const source = ENTITY_SOURCES.opportunity;
      const select = Object.keys(sourceColumns(source))
        .map((c) => `"${c}"::text AS "${c}"`)
        .join(', ');
      const rows = (
        await db.pool.query<RawRow>(
          `SELECT ${select} FROM opportunities ORDER BY opportunities.id LIMIT $1`,
          [sample],
        )
      ).rows;
      const producer = kafka.producer();
      await producer.connect();
      const topic = `bench.plan-loop.${randomUUID()}`;
      const perfTopic = `bench.perf-test.${randomUUID()}`;
      const admin = kafka.admin();
      await admin.connect();
      await createTopicsAndWait(admin, {
        topics: [topic, perfTopic].map((t) => ({ topic: t, numPartitions: 10 })),
      });
      const loop = await timed(async () => {
        for (const row of rows) {
          const value = JSON.stringify({
            eventId: randomUUID(),
            eventType: 'OpportunityMigrated',
            aggregateId: row.id,
            data: row,
          });
          sizes += value.length;
          await producer.send({ topic, acks: -1, messages: [{ key: String(row.id), value }] });
        }
      });
      await producer.disconnect();
      const averageSize = Math.round(sizes / rows.length);
      const perf = producerPerfTest(perfTopic, opportunities, averageSize);
      await admin.deleteTopics({ topics: [topic, perfTopic] }).catch(() => undefined);
      await admin.disconnect();
      // The peer a user would pick instead (issue #16): Debezium's initial snapshot of the same rows.
      const debezium = await debeziumSnapshotSeconds(
        kafka,
        db.pool,
        db.config,
        'public.opportunities',
        opportunities,
        ENTITY_TOPICS.opportunity.partitions,
      );
      // The backfill as it is deployed: the Indexed Job's shards are separate pods, two at a time
      // in the staging overlay. Debezium snapshots a table on one thread (tasks.max is 1 for the
      // PostgreSQL connector), so this row is what each tool does with the same two cores.
      const shardAdmin = kafka.admin();
      await shardAdmin.connect();
      const noise = new NoiseLog();
      let twoShards: number;
      let shardRss: number[];
      try {
        await buildApps(['kafka-migrator']);
        ({ seconds: twoShards, peakRssMiB: shardRss } = await shardedBackfill(shardAdmin, db.name, opportunities, 2, noise));
      } finally {
        await shardAdmin.disconnect();
      }
      if (noise.lines.length > 0) console.log(`kafka-migrator: ${noise.lines.length} warning/error lines from the shard processes (above)`);
      const rssNote = `peak RSS ${shardRss.map((m) => m.toFixed(0)).join(' / ')} MiB, the Job's NODE_OPTIONS`;
      const rate = opportunities / seconds[shipped];
      return [
        {
          case: 'kafka-migrator backfill',
          measured: `${opportunities} opportunities, 1 shard, @platformatic/kafka`,
          rate: opportunities / seconds.platformatic,
          unit: 'rows/s',
          baseline: 'the same backfill through kafkajs',
          baselineRate: opportunities / seconds.kafkajs,
        },
        {
          case: 'kafka-migrator backfill',
          measured: `${opportunities} opportunities, 1 shard, ${shipped}`,
          rate,
          unit: 'rows/s',
          baseline: `plan's loop, 1 awaited send/row (${sample} rows)`,
          baselineRate: sample / loop.seconds,
        },
        {
          case: 'kafka-migrator backfill',
          measured: `${opportunities} opportunities, 1 shard, ${shipped}`,
          rate,
          unit: 'rows/s',
          baseline: `kafka-producer-perf-test, ${averageSize} B records`,
          baselineRate: perf,
        },
        {
          case: 'kafka-migrator backfill',
          measured: `${opportunities} opportunities, 1 shard, ${shipped}`,
          rate,
          unit: 'rows/s',
          baseline: 'Debezium 3.6.1 snapshot, Connect 4.3',
          baselineRate: opportunities / debezium,
        },
        {
          case: 'kafka-migrator backfill',
          measured: `${opportunities} opportunities, 2 shard processes of main.js (process start included; ${rssNote})`,
          rate: opportunities / twoShards,
          unit: 'rows/s',
          baseline: 'Debezium 3.6.1 snapshot, Connect 4.3 (JVM start included)',
          baselineRate: opportunities / debezium,
        },
        {
          case: 'kafka-migrator backfill',
          measured: `${opportunities} opportunities, 2 shard processes of main.js (process start included; ${rssNote})`,
          rate: opportunities / twoShards,
          unit: 'rows/s',
          baseline: `plan's loop, 1 awaited send/row (${sample} rows)`,
          baselineRate: sample / loop.seconds,
        },
      ];
    }
  } finally {
    await db.drop();
  }
}
