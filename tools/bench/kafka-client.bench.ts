import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { compatibilityPartitioner, defaultPartitioner } from '@platformatic/kafka';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createIdempotentProducer, createRecordProducer, createTopicsAndWait } from '@mch/infra-kafka';
import { timed, type BenchResult } from './bench-report';

const PARTITIONS = 10;
const PER_SEND = 2_000;
/** The backfill's average envelope (docs/benchmarks.md): 2,350 B, with the headers every event carries. */
const VALUE_BYTES = 2_350;

function messages(count: number): Message[] {
  const filler = 'x'.repeat(VALUE_BYTES - 120);
  return Array.from({ length: count }, (_, i) => ({
    key: randomUUID(),
    value: JSON.stringify({ eventId: randomUUID(), eventType: 'OpportunityCreated', sequence: i, data: { description: filler } }),
    headers: { 'event-id': randomUUID(), 'correlation-id': randomUUID(), 'event-type': 'OpportunityCreated', 'aggregate-type': 'Opportunity' },
  }));
}

/** The partition kafkajs's default (Java-compatible) partitioner gives each key. */
function kafkajsPartitions(keys: string[]): number[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return keys.map((key) => partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }));
}

/**
 * Issue #16's Kafka client lever, measured before any switch: the same idempotent, acks=all sends
 * of the same messages through kafkajs (our producer: one call at a time, the only safe way for
 * its idempotent sequence numbers) and through @platformatic/kafka 2.12.1, to the same broker.
 * Also checks what a switch would have to keep: every key on the partition kafkajs gives it, since
 * the backfill and change capture must agree on a row's partition for its order to hold. Only
 * @platformatic/kafka's compatibility partitioner does (its default masks the hash differently).
 */
export async function benchKafkaClient(kafka: Kafka, count: number): Promise<BenchResult[]> {
  const config = loadConfig(kafkaEnvSchema);
  if (config.KAFKA_SSL) throw new Error('the kafka-client bench runs on the plaintext local stack (KAFKA_SSL is set)');
  const admin = kafka.admin();
  await admin.connect();
  const topics = { kafkajs: `bench.client.kafkajs.${randomUUID()}`, platformatic: `bench.client.platformatic.${randomUUID()}` };
  await createTopicsAndWait(admin, { topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })) });
  const batch = messages(PER_SEND);
  const sends = Math.max(1, Math.round(count / PER_SEND));
  const kafkajsProducer = createIdempotentProducer(kafka);
  // The producer the event writers ship with (infra-kafka's, compatibility partitioner), not a second setup of the client.
  const platformatic = createRecordProducer(kafka, { client: 'platformatic' });
  try {
    await kafkajsProducer.connect();
    await platformatic.connect();
    const viaKafkajs = await timed(async () => {
      for (let i = 0; i < sends; i++) await kafkajsProducer.sendBatch({ acks: -1, topicMessages: [{ topic: topics.kafkajs, messages: batch }] });
    });
    const records = batch.map((m) => ({ key: String(m.key), value: String(m.value), headers: m.headers as Record<string, string> }));
    const viaPlatformatic = await timed(async () => {
      for (let i = 0; i < sends; i++) await platformatic.sendBatch({ acks: -1, topicMessages: [{ topic: topics.platformatic, messages: records }] });
    });

    // Same keys, same counts: each partition must hold the same number of records in both topics.
    const [a, b] = await Promise.all([admin.fetchTopicOffsets(topics.kafkajs), admin.fetchTopicOffsets(topics.platformatic)]);
    const perPartition = (offsets: typeof a) => offsets.sort((x, y) => x.partition - y.partition).map((o) => Number(o.high));
    if (JSON.stringify(perPartition(a)) !== JSON.stringify(perPartition(b))) {
      throw new Error(`the clients put the same keys on different partitions: kafkajs ${perPartition(a)}, @platformatic/kafka ${perPartition(b)}`);
    }
    const keys = batch.map((m) => String(m.key));
    const expected = kafkajsPartitions(keys);
    const partitionOf = (p: typeof defaultPartitioner) => keys.map((key) => p({} as never, Buffer.from(key)) % PARTITIONS);
    const differ = (got: number[]) => got.filter((partition, i) => partition !== expected[i]).length;
    console.log(
      `kafka-client: keys on another partition than kafkajs's: compatibilityPartitioner ${differ(partitionOf(compatibilityPartitioner))} of ${keys.length}, ` +
        `defaultPartitioner ${differ(partitionOf(defaultPartitioner))} of ${keys.length} (the broker's per-partition counts matched with the compatibility one)`,
    );
    const total = sends * PER_SEND;
    return [
      {
        case: 'kafka client (producer)',
        measured: `@platformatic/kafka, ${total} msgs, idempotent`,
        rate: total / viaPlatformatic.seconds,
        unit: 'msgs/s',
        baseline: 'kafkajs (ours), same msgs, idempotent',
        baselineRate: total / viaKafkajs.seconds,
      },
    ];
  } finally {
    await kafkajsProducer.disconnect().catch(() => undefined);
    await platformatic.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
}
