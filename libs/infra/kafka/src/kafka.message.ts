import type { Kafka, KafkaMessage } from 'kafkajs';

/** A message's headers as text, the first value of each (kafkajs gives Buffers, arrays or undefined). */
export function messageHeaders(message: Pick<KafkaMessage, 'headers'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/** The names of the topics the cluster has now, through a short-lived admin client. */
export async function existingTopics(kafka: Kafka): Promise<Set<string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Set(await admin.listTopics());
  } finally {
    await admin.disconnect();
  }
}
