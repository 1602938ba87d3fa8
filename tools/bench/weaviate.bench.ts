import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import {
  createWeaviateIndexLoop,
  ensureIndex,
  hashingEmbedder,
  lineageOf,
  opportunityProperties,
  toWeaviateProperties,
  vectorInput,
  type IndexCollectionNames,
} from '@mch/data-weaviate-index';
import type { OpportunityData } from '@mch/contracts';
import { countObjects, dropIndex, indexEnvelope, monolithOpportunities, produceEnvelopes, uniqueIndexNames } from '@mch/data-weaviate-index/testing';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase } from '@mch/testing-stack';
import { loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { timed, type BenchResult } from './bench-report';
import { createTopicsAndWait } from '@mch/infra-kafka';

const quiet = createLogger({ service: 'bench', level: 'error', sink: () => undefined });
const DIMENSIONS = 256;
/** The indexer's defaults (WEAVIATE_BATCH_SIZE, WEAVIATE_BATCH_CONCURRENCY, INDEXER_MAX_BATCH_RECORDS). */
const BATCH_SIZE = 200;
const CONCURRENCY = 8;
const MAX_BATCH_RECORDS = 5_000;
/** Rows read, produced and turned into import objects at a time. */
const FIXTURE_CHUNK = 20_000;
/** The most objects the plan's single batch is tried with. */
const PLAN_CAP = 100_000;

type ImportObject = { id: string; properties: ReturnType<typeof toWeaviateProperties>; vectors: { default: number[] } };

async function freshIndex(client: WeaviateClient, label: string): Promise<IndexCollectionNames> {
  const names = uniqueIndexNames(`Bench${label}`);
  await ensureIndex(client, names, { kind: 'none', dimensions: DIMENSIONS }, quiet);
  return names;
}

/** Kafka -> shared consumer loop -> WeaviateIndexSink, from loop start until every object is written. */
async function runPipeline(kafka: Kafka, client: WeaviateClient, topic: string, documents: string, count: number) {
  const names = await freshIndex(client, 'Pipe');
  const producer = kafka.producer();
  await producer.connect();
  const { loop, sink } = createWeaviateIndexLoop(
    { kafka, producer, client, processingLog: null, logger: quiet },
    {
      topics: { opportunity: topic, contract_document: documents },
      groupId: `bench-weaviate-${randomBytes(4).toString('hex')}`,
      fromBeginning: true,
      maxBatchRecords: MAX_BATCH_RECORDS,
      maxBatchWaitMs: 200,
      maxWriteAttempts: 5,
      serviceName: 'bench',
      sink: { names, embedder: hashingEmbedder(DIMENSIONS), embeddingsVersion: 1, batchSize: BATCH_SIZE, concurrency: CONCURRENCY, maxObjectAttempts: 5, retryBaseDelayMs: 200 },
    },
  );
  let failure: unknown;
  const cpu = process.cpuUsage();
  const run = await timed(async () => {
    await loop.start((error) => (failure = error));
    while (sink.stats.opportunitiesWritten + sink.stats.rejected < count) {
      if (failure) throw failure;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  const used = process.cpuUsage(cpu);
  await loop.stop();
  await producer.disconnect();
  const stored = await countObjects(client, names.opportunity);
  await dropIndex(client, names);
  if (stored !== count || sink.stats.rejected > 0) throw new Error(`pipeline stored ${stored} of ${count} (${sink.stats.rejected} rejected)`);
  return { seconds: run.seconds, cpuSeconds: (used.user + used.system) / 1e6, slowestRequestMs: sink.stats.slowestRequestMs };
}

/**
 * The same objects straight into Weaviate: requests of BATCH_SIZE, CONCURRENCY in flight, no Kafka.
 * Objects are built a chunk at a time with the clock stopped (10^6 objects with their vectors do
 * not fit in the bench's heap at once), so only Weaviate's import of each chunk is timed.
 */
async function runDirect(client: WeaviateClient, chunks: () => AsyncIterable<ImportObject[]>) {
  const names = await freshIndex(client, 'Direct');
  const collection = client.collections.use(names.opportunity);
  let seconds = 0;
  let count = 0;
  for await (const objects of chunks()) {
    const run = await timed(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < objects.length) {
            const chunk = objects.slice(next, (next += BATCH_SIZE));
            const result = await collection.data.insertMany(chunk);
            if (result.hasErrors) throw new Error(`direct import: ${Object.values(result.errors)[0]?.message}`);
          }
        }),
      );
    });
    seconds += run.seconds;
    count += objects.length;
  }
  const stored = await countObjects(client, names.opportunity);
  await dropIndex(client, names);
  if (stored !== count) throw new Error(`direct import stored ${stored} of ${count}`);
  return seconds;
}

/** The plan's approach: every object in one batcher, one do() (v3: one insertMany of everything). */
async function runPlan(client: WeaviateClient, objects: ImportObject[]): Promise<{ seconds: number; error?: string }> {
  const names = await freshIndex(client, 'Plan');
  try {
    const collection = client.collections.use(names.opportunity);
    const started = performance.now();
    try {
      const result = await collection.data.insertMany(objects);
      const seconds = (performance.now() - started) / 1000;
      const errors = Object.keys(result.errors).length;
      return errors > 0 ? { seconds, error: `${errors} objects failed` } : { seconds };
    } catch (error) {
      return { seconds: (performance.now() - started) / 1000, error: error instanceof Error ? error.message.slice(0, 160) : String(error) };
    }
  } finally {
    await dropIndex(client, names);
  }
}

/**
 * Objects/s from Kafka into Weaviate through the indexer's loop and sink (decode, version checks,
 * requirement merge, vectors computed by the feature-hashing embedder, batched writes, commits),
 * against two same-run baselines on the same objects: the tuned direct import (practical limit)
 * and the plan's single all-in-one batch. Opportunities come from the monolith fixture.
 */
export async function benchWeaviate(kafka: Kafka, count: number): Promise<BenchResult[]> {
  const prepared = performance.now();
  const db = await createMigratedDatabase('bench_weaviate', { load: { opportunities: count, seed: 42 } });
  const client = await connectWeaviate(loadConfig(weaviateEnvSchema));
  const admin = kafka.admin();
  await admin.connect();
  const suffix = randomBytes(4).toString('hex');
  const topic = `bench.weaviate.${suffix}.opportunities`;
  const documents = `bench.weaviate.${suffix}.documents`;
  try {
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 10 }, { topic: documents, numPartitions: 5 }] });
    // Rows, envelopes and objects go a chunk at a time: at 10^6 holding them all ran the bench
    // out of its heap before anything was measured.
    async function* rowChunks() {
      for (let after: string | undefined; ; ) {
        const rows = await monolithOpportunities(db.pool, { after, limit: FIXTURE_CHUNK });
        if (rows.length === 0) return;
        yield rows;
        after = rows[rows.length - 1].id;
      }
    }
    const envelopeOf = (row: OpportunityData) => indexEnvelope('opportunity', row.id, row, { operation: 'snapshot', position: 1, migrationRun: 'bench' });
    for await (const rows of rowChunks()) await produceEnvelopes(kafka, topic, rows.map(envelopeOf));
    const embedder = hashingEmbedder(DIMENSIONS);
    async function* objectChunks(limit = Infinity): AsyncGenerator<ImportObject[]> {
      let remaining = limit;
      for await (const rows of rowChunks()) {
        const objects: ImportObject[] = [];
        for (const row of rows.slice(0, remaining)) {
          const e = envelopeOf(row);
          const properties = opportunityProperties(row, [], { position: e.metadata.sourcePosition ?? '', embeddingsVersion: 1, lineage: lineageOf(e) });
          const [vector] = await embedder.embed([vectorInput(properties)]);
          objects.push({ id: row.id, properties: toWeaviateProperties(properties), vectors: { default: vector } });
        }
        yield objects;
        remaining -= objects.length;
        if (remaining <= 0) return;
      }
    }

    console.log(`weaviate: prepared ${count} opportunities (fixture, topic, objects) in ${((performance.now() - prepared) / 1000).toFixed(0)} s`);
    // The machine may be shared: the load average next to each phase shows whether it was.
    const load = () => os.loadavg()[0].toFixed(1);
    const loadBefore = load();
    const pipeline = await runPipeline(kafka, client, topic, documents, count);
    const loadPipeline = load();
    const direct = await runDirect(client, () => objectChunks());
    const loadDirect = load();
    // The plan's one batch of everything fails at 100,000 objects already (gRPC message limit);
    // beyond that it is tried on the first PLAN_CAP, since holding all of them is itself the failure.
    const planCount = Math.min(count, PLAN_CAP);
    const planObjects: ImportObject[] = [];
    for await (const objects of objectChunks(planCount)) planObjects.push(...objects);
    const plan = await runPlan(client, planObjects);
    planObjects.length = 0;
    const measured = `${count} opportunities, Kafka -> Weaviate`;
    const planLabel = planCount === count ? 'plan: 1 insertMany of everything' : `plan: 1 insertMany of the first ${planCount}`;
    const results: BenchResult[] = [
      {
        case: 'weaviate index',
        measured,
        rate: count / pipeline.seconds,
        unit: 'objects/s',
        baseline: `direct insertMany ${BATCH_SIZE}/request x${CONCURRENCY}, no Kafka`,
        baselineRate: count / direct,
      },
      {
        case: 'weaviate index',
        measured,
        rate: count / pipeline.seconds,
        unit: 'objects/s',
        baseline: `${planLabel}${plan.error ? ` FAILED after ${plan.seconds.toFixed(0)} s` : ''}`,
        baselineRate: plan.error ? 0 : planCount / plan.seconds,
      },
    ];
    console.log(
      `weaviate: pipeline ${pipeline.seconds.toFixed(1)} s (from loop start, consumer-group join included), ` +
        `indexer CPU ${pipeline.cpuSeconds.toFixed(1)} s, slowest Weaviate request ${pipeline.slowestRequestMs.toFixed(0)} ms; direct ${direct.toFixed(1)} s; ` +
        `plan ${plan.seconds.toFixed(1)} s${plan.error ? ` FAILED: ${plan.error}` : ''}; ` +
        `1-min load average before ${loadBefore}, after pipeline ${loadPipeline}, after direct ${loadDirect} (2 cores)`,
    );
    return results;
  } finally {
    await admin.deleteTopics({ topics: [topic, documents] }).catch(() => undefined);
    await admin.disconnect();
    await client.close();
    await db.drop();
  }
}
