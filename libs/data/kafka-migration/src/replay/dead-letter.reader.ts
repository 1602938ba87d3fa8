import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { parseDeadLetter, type DeadLetter } from '@mch/contracts';
import { existingTopics, messageHeaders as headersOf } from '@mch/infra-kafka';

/** A dead letter and where it sits (its topic/partition/offset is its identity for the replay marker). */
export interface StoredDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  letter: DeadLetter;
}

/**
 * Reads messages of one topic, each partition from `from` (inclusive) up to the end offset it had
 * when the read started, with a throwaway consumer group (deleted after). Fails, never returns a
 * partial read, after `timeoutMs`.
 */
async function readTopic(
  kafka: Kafka,
  topic: string,
  onMessage: (partition: number, message: KafkaMessage) => void,
  options: { timeoutMs: number; partition?: number; from?: string; to?: string },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `kafka-migrator-replay-${randomUUID()}`;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map<number, bigint>();
    for (const p of ends) {
      if (options.partition !== undefined && p.partition !== options.partition) continue;
      const end = options.to !== undefined ? BigInt(options.to) : BigInt(p.high);
      const start = options.from !== undefined ? BigInt(options.from) : BigInt(p.low);
      // Below the partition's low offset retention has removed the messages asked for.
      if (end > start && end <= BigInt(p.high) && start >= BigInt(p.low)) remaining.set(p.partition, end);
    }
    if (remaining.size === 0) return;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, maxBytes: 64 * 1024 * 1024 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
      const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const timer = setTimeout(() => settle?.reject(new Error(`reading ${topic} did not finish within ${options.timeoutMs} ms`)), options.timeoutMs);
      try {
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch, pause }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) {
              pause();
              return;
            }
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= end) break;
              if (options.from === undefined || BigInt(m.offset) >= BigInt(options.from)) onMessage(batch.partition, m);
            }
            if (BigInt(batch.lastOffset()) + 1n >= end) {
              remaining.delete(batch.partition);
              pause();
            }
            if (remaining.size === 0) settle?.resolve();
          },
        });
        // kafkajs seeks only a running consumer.
        if (options.from !== undefined) for (const partition of remaining.keys()) consumer.seek({ topic, partition, offset: options.from });
        await done;
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Every dead letter on these topics (those that exist), in topic and offset order. */
export async function readDeadLetters(kafka: Kafka, topics: readonly string[], timeoutMs: number): Promise<{ letters: StoredDeadLetter[]; unreadable: number }> {
  const existing = await existingTopics(kafka);
  const letters: StoredDeadLetter[] = [];
  let unreadable = 0;
  for (const topic of topics.filter((t) => existing.has(t))) {
    const found: StoredDeadLetter[] = [];
    await readTopic(
      kafka,
      topic,
      (partition, message) => {
        const letter = parseDeadLetter(message.value ? message.value.toString() : null, {
          key: message.key ? message.key.toString() : null,
          headers: headersOf(message),
          topic,
        });
        if (letter) found.push({ topic, partition, offset: message.offset, letter });
        else unreadable++;
      },
      { timeoutMs },
    );
    found.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    letters.push(...found);
  }
  return { letters, unreadable };
}

/**
 * The message at topic/partition/offset, exactly as it was produced (a dead letter of a record the
 * store refused after decoding holds only the decoded record). Null when retention removed it.
 */
export async function readMessageAt(
  kafka: Kafka,
  at: { topic: string; partition: number; offset: string },
  timeoutMs: number,
): Promise<{ key: string | null; value: string | null; headers: Record<string, string> } | null> {
  let found: { key: string | null; value: string | null; headers: Record<string, string> } | null = null;
  await readTopic(
    kafka,
    at.topic,
    (_partition, m) => {
      if (m.offset === at.offset) found = { key: m.key ? m.key.toString() : null, value: m.value ? m.value.toString() : null, headers: headersOf(m) };
    },
    { timeoutMs, partition: at.partition, from: at.offset, to: (BigInt(at.offset) + 1n).toString() },
  );
  return found;
}
