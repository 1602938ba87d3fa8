import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';

export interface ScannedMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Broker timestamp (ms since the epoch, as text). */
  timestamp: string;
  headers?: IHeaders;
}

export interface ScanOptions {
  /** Only these partitions (others are paused at once); all when absent. */
  partitions?: readonly number[];
  /** Gives up (the scan fails, never returns partial data) after this long. */
  timeoutMs: number;
  groupPrefix: string;
}

/**
 * Reads every message of a topic up to the end offsets it had when the scan started, each exactly
 * once, in partition order. A fresh consumer group reads from the beginning and is deleted after;
 * messages produced during the scan are left for the next one (a fixed horizon, not a race).
 */
export async function scanTopic(
  kafka: Kafka,
  topic: string,
  onMessage: (message: ScannedMessage) => void,
  options: ScanOptions,
): Promise<{ messages: number }> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.groupPrefix}-${randomUUID()}`;
  let messages = 0;
  try {
    const wanted = options.partitions ? new Set(options.partitions) : null;
    // Asked for offsets of a missing topic, kafkajs retries for a long time before failing.
    if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic ${topic} does not exist`);
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(
      ends
        .filter((p) => p.high !== p.low && (wanted === null || wanted.has(p.partition)))
        .map((p) => [p.partition, BigInt(p.high)]),
    );
    if (remaining.size === 0) return { messages: 0 };
    const consumer = kafka.consumer({
      groupId,
      maxBytes: 64 * 1024 * 1024,
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxWaitTimeInMs: 250,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `reading ${topic} did not finish within ${options.timeoutMs} ms (${remaining.size} partitions unfinished)`,
              ),
            ),
          options.timeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch, pause }) => {
              const end = remaining.get(batch.partition);
              if (end === undefined) {
                pause();
                return;
              }
              for (const m of batch.messages) {
                if (BigInt(m.offset) >= end) break;
                messages++;
                onMessage({
                  partition: batch.partition,
                  offset: m.offset,
                  key: m.key,
                  value: m.value,
                  timestamp: m.timestamp,
                  headers: m.headers,
                });
              }
              if (BigInt(batch.lastOffset()) + 1n >= end) {
                remaining.delete(batch.partition);
                pause();
              }
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch((error: unknown) => {
            clearTimeout(timer);
            reject(error);
          });
      });
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return { messages };
}
