import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { ENTITY_EVENTS, ENTITY_TOPICS, formatSourcePosition, type EventEnvelope } from '@mch/contracts';
import { ConsumerLoop } from '@mch/data-consumer-loop';
import {
  ClickHouseRowSink,
  analyticsRowDecoder,
  OPPORTUNITY_EVENTS,
  createTableDdl,
  detectAnalyticsCapabilities,
  entityTotals,
  insertColumnNames,
  toAnalyticsRow,
  type AnalyticsCapabilities,
  type AnalyticsRowRecord,
} from '@mch/data-clickhouse-analytics';
import {
  createClickHouseTestDatabase,
  opportunityData,
  testId,
} from '@mch/data-clickhouse-analytics/testing';
import { createLogger } from '@mch/util-logger';
import type { BenchResult } from './bench-report';
import { createIdempotentProducer, createTopicsAndWait } from '@mch/infra-kafka';
import { kafkaEngineRun } from './peers/clickhouse.peer';
import { clickhousePopulatorConfigSchema } from '@mch/feature-clickhouse-populator';
import { loadConfig } from '@mch/util-config';
import { buildApps } from '../demo/build-apps';
import { NoiseLog } from '../demo/service-process';
import { populatorReplicasRun } from './populator-replicas';
import { MachineCpu } from './cpu-usage';

const quiet = createLogger({ service: 'bench', level: 'error', sink: () => undefined });
const AGENCIES = [
  'VETERANS AFFAIRS, DEPARTMENT OF',
  'DEFENSE LOGISTICS AGENCY',
  'DEFENSE HEALTH AGENCY',
  'INDIAN HEALTH SERVICE',
];

/** Opportunity event `i` as the kafka-migrator writes it (about 1.3 kB of JSON). */
function envelope(i: number, correlationId: string): EventEnvelope {
  const id = testId(`bench-${i}`);
  const day = String(1 + (i % 28)).padStart(2, '0');
  const month = String(1 + (i % 12)).padStart(2, '0');
  const position = formatSourcePosition('lsn', BigInt(1_000_000 + i));
  return {
    eventId: testId(`bench-event-${i}`),
    eventType: ENTITY_EVENTS.opportunity.eventTypes.snapshot,
    aggregateId: id,
    aggregateType: 'Opportunity',
    timestamp: '2026-01-01T00:00:00.000Z',
    data: opportunityData(id, {
      noticeId: `${i.toString(16).padStart(32, '0')}`,
      title: `Surgical instruments, orthopedic implants and supplies, lot ${i}`,
      description:
        'Brand name or equal. Deliver FOB destination to the VA medical center within 30 days ARO.',
      agency: AGENCIES[i % AGENCIES.length],
      awardAmount: `${1000 + (i % 100_000)}.${String(i % 100).padStart(2, '0')}`,
      estimatedValueMax: i % 3 === 0 ? null : `${5000 + i}.00`,
      postedDate: `2025-${month}-${day}T14:00:00.000Z`,
      createdAt: `2025-${month}-${day}T15:30:00.000Z`,
      updatedAt: `2025-${month}-${day}T16:45:12.345Z`,
    }),
    metadata: {
      correlationId,
      causationId: null,
      source: 'postgresql',
      schemaVersion: '1.0',
      migrationId: correlationId,
      migrationRun: 'bench',
      sourcePosition: position,
      operation: 'snapshot',
    },
  };
}

function clickhouseClient(file: string, database: string, table: string, columns: string[]): Promise<void> {
  const url = new URL(process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123');
  const args = [
    '--host',
    url.hostname,
    '--port',
    process.env.MCH_CLICKHOUSE_TCP_PORT ?? '19000',
    '--user',
    process.env.CLICKHOUSE_USER ?? 'default',
    '--password',
    process.env.CLICKHOUSE_PASSWORD ?? '',
    '--database',
    database,
    '--query',
    `INSERT INTO ${table} (${columns.join(', ')}) FORMAT TabSeparated`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('clickhouse-client', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`clickhouse-client exited ${code}: ${stderr.slice(0, 500)}`)),
    );
    createReadStream(file).pipe(child.stdin);
  });
}

async function writeTsv(
  file: string,
  events: number,
  caps: AnalyticsCapabilities,
  correlationId: string,
): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < events; i++) {
    const e = envelope(i, correlationId);
    const row = toAnalyticsRow(OPPORTUNITY_EVENTS, { envelope: e, data: e.data }, caps);
    if (!row.ok) throw new Error(row.error.message);
    if (!out.write(row.line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/**
 * Events/s from Kafka into ClickHouse through the real path (consumer loop, row decoder doing the
 * envelope checks and TSV encoding per message, TSV sink; 10 partitions, the populator's batch and fetch settings), timed from the first message decoded to the
 * last batch committed, against the physical limit measured in the same run: the same rows, as the
 * same TabSeparated text, piped into clickhouse-client into an identical empty table.
 */
export async function benchClickHouse(kafka: Kafka, events: number): Promise<BenchResult[]> {
  const db = await createClickHouseTestDatabase('bench_ch');
  const caps = await detectAnalyticsCapabilities(db.client);
  const baselineTable = `${OPPORTUNITY_EVENTS.name}_baseline`;
  await db.client.command({ query: createTableDdl(OPPORTUNITY_EVENTS, caps) });
  await db.client.command({ query: createTableDdl(OPPORTUNITY_EVENTS, caps, baselineTable) });
  // Named as the populator's entry point finds it (its topic prefix + the entity topic), for the replicas run.
  const topicPrefix = `bench.clickhouse.${randomUUID()}.`;
  const topic = `${topicPrefix}${ENTITY_TOPICS.opportunity.name}`;
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, {
    topics: [
      { topic, numPartitions: 10 },
      { topic: `dlq.${topic}`, numPartitions: 1 },
    ],
  });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-ch-'));
  const correlationId = randomUUID();
  let loop: ConsumerLoop<AnalyticsRowRecord> | undefined;
  try {
    for (let start = 0; start < events; start += 10_000) {
      const messages = [];
      for (let i = start; i < Math.min(events, start + 10_000); i++) {
        const e = envelope(i, correlationId);
        messages.push({
          key: e.aggregateId,
          value: JSON.stringify(e),
          headers: { 'event-id': e.eventId, 'correlation-id': correlationId },
        });
      }
      await producer.send({ topic, acks: -1, messages });
    }

    // The populator's own settings (its defaults, or CLICKHOUSE_POPULATOR_* from the environment).
    const settings = loadConfig(clickhousePopulatorConfigSchema);
    let firstDecodedAt = 0;
    const decode = analyticsRowDecoder(new Map([[topic, OPPORTUNITY_EVENTS]]), caps);
    const sink = new ClickHouseRowSink(db.client, caps);
    loop = new ConsumerLoop(
      kafka,
      producer,
      (message, t) => {
        firstDecodedAt ||= performance.now();
        return decode(message, t);
      },
      sink,
      quiet,
      null,
      {
        groupId: `bench-clickhouse-${randomBytes(4).toString('hex')}`,
        topics: [topic],
        fromBeginning: true,
        maxBatchRecords: settings.CLICKHOUSE_POPULATOR_BATCH_ROWS,
        maxBatchWaitMs: settings.CLICKHOUSE_POPULATOR_BATCH_WAIT_MS,
        fetchMaxBytes: settings.CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES,
        fetchMaxBytesPerPartition: settings.CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES_PER_PARTITION,
        maxWriteAttempts: 3,
        deadLetterTopicFor: (t) => `dlq.${t}`,
        serviceName: 'bench',
      },
    );
    let failure: unknown;
    const machine = new MachineCpu();
    const ownCpu = process.cpuUsage();
    await loop.start((error) => (failure = error));
    while (!loop.stats.lastCommitAt || loop.stats.written + loop.stats.deadLettered < events) {
      if (failure) throw failure;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const consumedSeconds =
      (loop.stats.lastCommitAt.getTime() - (performance.timeOrigin + firstDecodedAt)) / 1000;
    const used = process.cpuUsage(ownCpu);
    const loopCpu = `, machine CPU ${(100 * machine.busyFraction()).toFixed(0)} % busy, loop ${((used.user + used.system) / events).toFixed(1)} µs of CPU per event`;
    await loop.stop();
    loop = undefined;
    const totals = await entityTotals(db.client, OPPORTUNITY_EVENTS);
    if (totals.count !== events)
      throw new Error(`ClickHouse holds ${totals.count} opportunities, expected ${events}`);

    const file = path.join(scratch, 'rows.tsv');
    await writeTsv(file, events, caps, correlationId);
    const started = performance.now();
    await clickhouseClient(file, db.name, baselineTable, insertColumnNames(OPPORTUNITY_EVENTS, caps));
    const baselineSeconds = (performance.now() - started) / 1000;
    // The peer a user would pick instead (issue #16): ClickHouse's own Kafka engine, same topic, same shape.
    const engine = await kafkaEngineRun(topic, events, caps, 2);
    const duplicates = engine.rows - events;
    // The product as deployed: the Deployment's two replicas (k8s/base), built entry points, one group,
    // against the engine's two consumers. Skipped with MCH_BENCH_POPULATOR_REPLICAS=0.
    const replicas = Number(process.env.MCH_BENCH_POPULATOR_REPLICAS ?? 2);
    let replicaSeconds: number | undefined;
    let replicaCpu = '';
    if (replicas > 0) {
      const noise = new NoiseLog();
      await buildApps(['clickhouse-populator']);
      const run = await populatorReplicasRun(topicPrefix, events, replicas, noise);
      replicaSeconds = run.seconds;
      // Whether the machine, not the populator, is the limit: both cores' use and the populators' share.
      replicaCpu = `, machine CPU ${(100 * run.machineBusy).toFixed(0)} % busy, populators ${run.populatorCores.toFixed(2)} cores`;
      if (noise.lines.length > 0) console.log(`clickhouse: ${noise.lines.length} warning/error lines from the populator processes (above)`);
    }

    return [
      {
        case: 'clickhouse populate',
        measured: `${events} events, Kafka -> ClickHouse ${caps.version}`,
        rate: events / consumedSeconds,
        unit: 'rows/s',
        baseline: 'same rows, TSV piped into clickhouse-client',
        baselineRate: events / baselineSeconds,
      },
      {
        case: 'clickhouse populate',
        measured: `${events} events, Kafka -> ClickHouse ${caps.version}${loopCpu}`,
        rate: events / consumedSeconds,
        unit: 'rows/s',
        baseline: `ClickHouse Kafka engine + MV, 2 consumers${duplicates > 0 ? ` (${duplicates} duplicate rows)` : ''} (machine CPU ${(100 * engine.machineBusy).toFixed(0)} % busy)`,
        baselineRate: events / engine.seconds,
      },
      ...(replicaSeconds === undefined
        ? []
        : [
            {
              case: `clickhouse populate, ${replicas} populator processes (main.js, start-up included)`,
              measured: `${events} events, Kafka -> ClickHouse ${caps.version}${replicaCpu}`,
              rate: events / replicaSeconds,
              unit: 'rows/s',
              baseline: `ClickHouse Kafka engine + MV, 2 consumers (machine CPU ${(100 * engine.machineBusy).toFixed(0)} % busy)`,
              baselineRate: events / engine.seconds,
            },
            {
              case: `clickhouse populate, ${replicas} populator processes (main.js, start-up included)`,
              measured: `${events} events, Kafka -> ClickHouse ${caps.version}`,
              rate: events / replicaSeconds,
              unit: 'rows/s',
              baseline: 'same rows, TSV piped into clickhouse-client',
              baselineRate: events / baselineSeconds,
            },
          ]),
    ];
  } finally {
    await loop?.stop().catch(() => undefined);
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic, `dlq.${topic}`] }).catch(() => undefined);
    await admin.disconnect();
    await db.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
