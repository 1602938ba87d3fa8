// npm run bench [case ...]: each case prints its rate and the rate of a baseline measured in the
// same run on the same machine, and their ratio. Sizes can be lowered with MCH_BENCH_SCALE (0-1).
import 'reflect-metadata';
import os from 'node:os';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createKafka } from '@mch/infra-kafka';
import { createLogger } from '@mch/util-logger';
import { printResults, type BenchResult } from './bench-report';
import { benchEventStore } from './event-store.bench';
import { benchConsistency } from './consistency.bench';
import { benchKafkaMigrator } from './kafka-migrator.bench';
import { benchClickHouse } from './clickhouse.bench';
import { benchWeaviate } from './weaviate.bench';
import { benchVectors } from './vectors.bench';
import { benchE2e } from './e2e.bench';
import { benchShards } from './shards.bench';
import { benchKafkaClient } from './kafka-client.bench';

const scale = Number(process.env.MCH_BENCH_SCALE ?? 1);

const CASES: Record<string, () => Promise<BenchResult[]>> = {
  'event-store': () => benchEventStore(kafka(), Math.round(20_000 * scale)),
  consistency: () => benchConsistency(kafka(), Math.round(1_000_000 * scale)),
  'kafka-migrator': () => benchKafkaMigrator(kafka(), Math.round(1_000_000 * scale)),
  clickhouse: () => benchClickHouse(kafka(), Math.round(1_000_000 * scale)),
  weaviate: () => benchWeaviate(kafka(), Math.round(100_000 * scale)),
  vectors: () => benchVectors(Math.round(4_000 * scale)),
  shards: () => benchShards(kafka(), Math.round(400_000 * scale)),
  'kafka-client': () => benchKafkaClient(kafka(), Math.round(200_000 * scale)),
  e2e: () => benchE2e(Math.round(1_000_000 * scale)),
};
/** Cases run only when named: e2e is the whole migration at 10^6 opportunities (tens of minutes). */
const ON_REQUEST = new Set(['e2e']);

function kafka() {
  return createKafka(loadConfig(kafkaEnvSchema), {
    clientId: 'bench',
    logger: createLogger({ service: 'bench', level: 'error', sink: () => undefined }),
  });
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((c) => !(c in CASES));
  if (unknown.length > 0) throw new Error(`unknown bench case ${unknown.join(', ')}; known: ${Object.keys(CASES).join(', ')}`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  for (const name of wanted.length > 0 ? wanted : Object.keys(CASES).filter((c) => !ON_REQUEST.has(c))) {
    printResults(await CASES[name]());
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
