import type { Admin, ITopicConfig } from 'kafkajs';

const RETRIABLE = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER', 'NOT_CONTROLLER']);

/**
 * Creates topics (those that exist already are left as they are) and returns once every partition
 * of every one has a leader.
 *
 * kafkajs's own `waitForLeaders` polls metadata but retries only LEADER_NOT_AVAILABLE. A KRaft
 * broker answers UNKNOWN_TOPIC_OR_PARTITION for a topic the controller created and the broker's
 * metadata has not caught up with yet, which on a busy machine aborted a whole run at its first
 * step. Here that answer means "not yet", until the deadline.
 */
export async function createTopicsAndWait(admin: Admin, options: { topics: ITopicConfig[]; timeoutMs?: number }): Promise<void> {
  if (options.topics.length === 0) return;
  const names = options.topics.map((t) => t.topic);
  // Only the missing ones: the broker answers an existing topic with an error response, which
  // kafkajs logs at error level even though createTopics then treats it as success.
  const existing = new Set(await admin.listTopics());
  const missing = options.topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = 'no metadata yet';
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      const waiting = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (waiting.length === 0 && topics.length === names.length) return;
      last = `no leader yet for ${waiting.map((t) => t.name).join(', ') || 'some topics'}`;
    } catch (error) {
      const type = (error as { type?: string }).type ?? '';
      if (!RETRIABLE.has(type)) throw error;
      last = `${type}: ${(error as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} not ready within ${options.timeoutMs ?? 60_000} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
