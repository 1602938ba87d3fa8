import type { Kafka } from 'kafkajs';
import { parseDeadLetter, type DeadLetter } from '@mch/contracts';
import { existingTopics, messageHeaders as headersOf, scanTopic } from '@mch/infra-kafka';

/** A dead letter and where it sits (its topic/partition/offset is its identity for the replay marker). */
export interface StoredDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  letter: DeadLetter;
}

/** Every dead letter on these topics (those that exist), in topic and offset order. */
export async function readDeadLetters(kafka: Kafka, topics: readonly string[], timeoutMs: number): Promise<{ letters: StoredDeadLetter[]; unreadable: number }> {
  const existing = await existingTopics(kafka);
  const letters: StoredDeadLetter[] = [];
  let unreadable = 0;
  for (const topic of topics.filter((t) => existing.has(t))) {
    const found: StoredDeadLetter[] = [];
    await scanTopic(
      kafka,
      topic,
      (message) => {
        const letter = parseDeadLetter(message.value ? message.value.toString() : null, {
          key: message.key ? message.key.toString() : null,
          headers: headersOf(message),
          topic,
        });
        if (letter) found.push({ topic, partition: message.partition, offset: message.offset, letter });
        else unreadable++;
      },
      { timeoutMs, groupPrefix: 'kafka-migrator-replay' },
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
  await scanTopic(
    kafka,
    at.topic,
    (m) => {
      if (m.offset === at.offset) found = { key: m.key ? m.key.toString() : null, value: m.value ? m.value.toString() : null, headers: headersOf(m) };
    },
    { timeoutMs, partitions: [at.partition], from: at.offset, to: (BigInt(at.offset) + 1n).toString(), groupPrefix: 'kafka-migrator-replay' },
  );
  return found;
}
