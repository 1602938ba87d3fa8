import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { allCollections, indexCollectionNames, inferenceEmbedder, vectorInput } from '@mch/data-weaviate-index';
import {
  countObjects,
  indexEnvelope,
  produceEnvelopes,
  readOpportunities,
  readVector,
  sampleOpportunity,
  uniqueIndexerTopics,
} from '@mch/data-weaviate-index/testing';
import { createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, freePort, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { startService, waitFor, WORKSPACE_ROOT, type ServiceProcess } from './support/service-process';
import { waitReady } from './support/api-services';

const OBJECTS = 240;
const SUBJECTS = [
  'Wound care dressings and gauze for outpatient clinics',
  'Influenza vaccines for the winter season',
  'Ambulance fleet maintenance and repair',
  'Custodial and sanitation services for a medical center',
  'Registered nurse staffing for intensive care units',
  'MRI scanner service contract',
];
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

/** The inference app (apps/inference) as its container runs it, on a fixed port so it can come back there. */
function startInference(port: number): ServiceProcess {
  const modelDir = execFileSync('bash', ['tools/stack/minilm.sh', 'path'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' }).trim();
  return startService('inference', port, { ...process.env, MODEL_DIR: modelDir, INFERENCE_PORT: String(port), INFERENCE_HOST: '127.0.0.1' });
}

async function inferenceReady(url: string): Promise<boolean> {
  return fetch(`${url}/.well-known/ready`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.status === 204,
    () => false,
  );
}

/**
 * Issue #17: the inference service goes away while the weaviate-indexer service (its entry
 * point, client-side vectors) is indexing, and comes back on the same address. The indexer backs
 * off instead of dead-lettering or dying, then indexes every object exactly once, each with the
 * model's vector of its text.
 */
describe('weaviate-indexer while the inference service is down', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let inference: ServiceProcess | undefined;
  let indexer: ServiceProcess | undefined;
  const topics = uniqueIndexerTopics('outage');
  const prefix = `Outage${randomUUID().slice(0, 8).replace(/[^a-z0-9]/gi, '')}`;
  const names = indexCollectionNames(prefix);

  beforeAll(async () => {
    db = await createMigratedDatabase('inference_outage');
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'inference-outage-e2e', logger: createLogger({ service: 'e2e', level: 'error', sink: () => undefined }) });
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, { topics: [{ topic: topics.opportunity, numPartitions: 3 }, { topic: topics.document, numPartitions: 1 }] });
    await admin.disconnect();
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
  }, 120_000);

  afterAll(async () => {
    // Killed, not stopped: after a failure the inference app may be down and a graceful stop would
    // wait out the indexer's retries. Its graceful stop is not what this spec is about.
    indexer?.child.kill('SIGKILL');
    await indexer?.exited;
    await inference?.stop();
    for (const name of allCollections(names)) await weaviate?.collections.delete(name).catch(() => undefined);
    await weaviate?.close();
    const admin = kafka.admin();
    await admin.connect();
    const all = [topics.opportunity, topics.document];
    await admin.deleteTopics({ topics: [...all, ...all.map((t) => `dlq.${t}`)] }).catch(() => undefined);
    await admin.disconnect();
    await db?.drop();
  }, 120_000);

  it('backs off while it is down and, once it is back, indexes every object once with the model vector of its text', async () => {
    const port = await freePort();
    inference = startInference(port);
    const url = `http://127.0.0.1:${port}`;
    await waitFor('inference ready', () => inferenceReady(url), 60_000);
    const rows = Array.from({ length: OBJECTS }, (_, i) => sampleOpportunity(randomUUID(), { title: `${SUBJECTS[i % SUBJECTS.length]}, lot ${i}` }));
    const produce = (wave: typeof rows) =>
      produceEnvelopes(
        kafka,
        topics.opportunity,
        wave.map((row) => indexEnvelope('opportunity', row.id, row, { operation: 'snapshot', position: 1, migrationRun: 'outage' })),
      );
    // Two waves: the second is produced while the model is away, so the outage always leaves work
    // waiting (on a fast machine the indexer finished the whole first wave before the stop landed).
    const firstWave = rows.slice(0, OBJECTS / 2);
    await produce(firstWave);

    indexer = startService('weaviate-indexer', await freePort(), {
      ...process.env,
      PGDATABASE: db.name,
      LOG_LEVEL: 'info',
      WEAVIATE_VECTORIZER: 'transformers-client',
      TRANSFORMERS_INFERENCE_URL: url,
      WEAVIATE_VECTOR_DIMENSIONS: '384',
      WEAVIATE_COLLECTION_PREFIX: prefix,
      INDEXER_OPPORTUNITY_TOPIC: topics.opportunity,
      INDEXER_DOCUMENT_TOPIC: topics.document,
      INDEXER_GROUP_ID: `outage-${randomUUID()}`,
      INDEXER_MAX_BATCH_RECORDS: '8',
      INDEXER_MAX_BATCH_WAIT_MS: '50',
    });
    await waitReady(indexer);
    // Down part-way: some objects are in, the rest wait for vectors.
    await waitFor('some objects indexed', async () => (await countObjects(weaviate, names.opportunity).catch(() => 0)) >= 16, 60_000);
    await inference.stop();
    await produce(rows.slice(OBJECTS / 2));
    // Batches whose vectors came back before the stop are still written; then nothing moves.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const atOutage = await countObjects(weaviate, names.opportunity);
    expect(atOutage).toBeLessThanOrEqual(firstWave.length);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(indexer.child.exitCode).toBeNull();
    // Nothing moved while the model was away (no vectors, no writes).
    expect(await countObjects(weaviate, names.opportunity)).toBe(atOutage);

    inference = startInference(port);
    await waitFor('inference back', () => inferenceReady(url), 60_000);
    await waitFor('every object indexed', async () => (await countObjects(weaviate, names.opportunity)) === OBJECTS, 120_000);

    const log = indexer.output();
    expect(log).toMatch(/inference service unavailable; retrying/);
    expect(await readWholeTopic(kafka, `dlq.${topics.opportunity}`).catch(() => [])).toEqual([]);
    const stored = await readOpportunities(weaviate, names.opportunity);
    expect([...stored.keys()].sort()).toEqual(rows.map((r) => r.id).sort());
    const model = await inferenceEmbedder({ url });
    const sample = rows.filter((_, i) => i % 10 === 0);
    const expected = await model.embed(sample.map((r) => vectorInput(stored.get(r.id)!)));
    for (const [i, row] of sample.entries()) {
      expect(stored.get(row.id)).toMatchObject({ title: row.title, embeddings_version: 1 });
      expect(cosine((await readVector(weaviate, names.opportunity, row.id)) as number[], expected[i])).toBeGreaterThan(0.9999);
    }
  }, 300_000);
});
