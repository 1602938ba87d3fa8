import { randomBytes, randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { ProcessingLog } from '@mch/data-consumer-loop';
import { createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { ensureIndex } from './index-definitions';
import { countObjects, dropIndex, quietLogger, uniqueIndexNames } from './testing/weaviate-test-support';
import { indexEnvelope } from './testing/monolith-events';
import { produceEnvelopes, readTopic } from './testing/kafka-test-support';
import { sampleOpportunity } from './testing/sample-data';
import { hashingEmbedder, type TextEmbedder } from './vectors/text-embedder';
import { createWeaviateIndexLoop } from './weaviate-index.pipeline';

const logger = quietLogger();

/** Vectors of the wrong length for titles containing POISON: Weaviate refuses those objects. */
const poisonEmbedder: TextEmbedder = {
  name: 'poison',
  dimensions: 64,
  embed: async (texts) => {
    const vectors = await hashingEmbedder(64).embed(texts);
    return vectors.map((v, i) => (texts[i].includes('POISON') ? v.slice(0, 3) : v));
  },
};

describe('Weaviate index loop (real Kafka, Weaviate and PostgreSQL)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let client: WeaviateClient;
  const suffix = randomBytes(4).toString('hex');
  const topics = { opportunity: `it.wvp.${suffix}.opportunities`, contract_document: `it.wvp.${suffix}.documents` };
  const names = uniqueIndexNames('Loop');

  beforeAll(async () => {
    db = await createMigratedDatabase('wvi_loop');
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'wvp-it', logger });
    admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, {
      topics: [...Object.values(topics), `dlq.${topics.opportunity}`].map((topic) => ({ topic, numPartitions: 2 })),
    });
    producer = kafka.producer();
    await producer.connect();
    client = await connectWeaviate(loadConfig(weaviateEnvSchema));
    await ensureIndex(client, names, { kind: 'none', dimensions: 64 }, logger);
  });

  afterAll(async () => {
    await dropIndex(client, names);
    await client.close();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [...Object.values(topics), `dlq.${topics.opportunity}`] }).catch(() => undefined);
    await admin.disconnect();
    await db.drop();
  });

  it("sends an object Weaviate refuses to the dead-letter topic with Weaviate's reason, writes the rest and commits", async () => {
    // A first object fixes the collection's vector length, so the poisoned one is refused up front.
    const first = randomUUID();
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const poisoned = ids[13];
    await produceEnvelopes(kafka, topics.opportunity, [
      indexEnvelope('opportunity', first, sampleOpportunity(first), { operation: 'snapshot', position: 1 }),
    ]);
    const groupId = `it-wvp-${suffix}`;
    const { loop, sink } = createWeaviateIndexLoop(
      { kafka, producer, client, processingLog: new ProcessingLog(db.pool, 'weaviate-indexer'), logger },
      {
        topics,
        groupId,
        fromBeginning: true,
        maxBatchRecords: 1_000,
        maxBatchWaitMs: 100,
        maxWriteAttempts: 3,
        serviceName: 'weaviate-indexer',
        sink: { names, embedder: poisonEmbedder, embeddingsVersion: 1, batchSize: 10, concurrency: 2, maxObjectAttempts: 3, retryBaseDelayMs: 50 },
      },
    );
    let failure: unknown;
    await loop.start((error) => (failure = error));
    try {
      const until = async (check: () => Promise<boolean>) => {
        const deadline = Date.now() + 60_000;
        while (!(await check())) {
          if (failure) throw failure;
          if (Date.now() > deadline) throw new Error('timed out');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      await until(async () => (await countObjects(client, names.opportunity)) === 1);
      await produceEnvelopes(
        kafka,
        topics.opportunity,
        ids.map((id) => indexEnvelope('opportunity', id, sampleOpportunity(id, { title: id === poisoned ? 'POISON gloves' : `gloves ${id}` }), { operation: 'snapshot', position: 1 })),
      );
      await until(async () => loop.stats.deadLettered === 1 && sink.stats.opportunitiesWritten === ids.length);
      expect(await countObjects(client, names.opportunity)).toBe(ids.length);
      expect(await client.collections.use(names.opportunity).query.fetchObjectById(poisoned)).toBeNull();
      const [dead] = await readTopic(kafka, `dlq.${topics.opportunity}`, 1);
      const message = JSON.parse(dead.value) as { error: { code: string; message: string }; event: string };
      expect(dead.key).toBe(poisoned);
      expect(message.error.code).toBe('WEAVIATE_REJECTED');
      expect(message.error.message).toMatch(new RegExp(`^opportunity ${poisoned}: Weaviate rejected the object: .*new node has a vector with length 3`));
      expect(JSON.parse(message.event)).toMatchObject({ aggregateId: poisoned, eventType: 'OpportunityMigrated' });
      const { rows } = await db.pool.query<{ entity_id: string; status: string; error_code: string }>(
        'SELECT entity_id, status, error_code FROM service_processing_log',
      );
      expect(rows).toEqual([{ entity_id: poisoned, status: 'dead_lettered', error_code: 'WEAVIATE_REJECTED' }]);
      // Everything was committed, the refused record included: nothing is retried for ever.
      await until(async () => {
        const committed = await admin.fetchOffsets({ groupId, topics: [topics.opportunity] });
        const total = committed[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
        return total === ids.length + 1;
      });
    } finally {
      await loop.stop();
    }
  });
});
