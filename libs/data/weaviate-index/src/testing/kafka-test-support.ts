import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { EventEnvelope } from '@mch/contracts';
import { envelopeMessage } from './monolith-events';
import { createIdempotentProducer } from '@mch/infra-kafka';

/** Sends envelopes keyed by row id (so all versions of a row share a partition, in order). */
export async function produceEnvelopes(kafka: Kafka, topic: string, envelopes: readonly EventEnvelope[]): Promise<void> {
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  try {
    for (let i = 0; i < envelopes.length; i += 1_000) {
      await producer.send({ topic, acks: -1, messages: envelopes.slice(i, i + 1_000).map(envelopeMessage) });
    }
  } finally {
    await producer.disconnect();
  }
}

export async function produceRaw(kafka: Kafka, topic: string, messages: { key: string; value: string }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
}

/** Reads a topic from the start until `count` messages arrived (or the timeout). */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<{ key: string | null; value: string }[]> {
  const consumer = kafka.consumer({ groupId: `it-read-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const out: { key: string | null; value: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${count} messages from ${topic}`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '' });
            if (out.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
