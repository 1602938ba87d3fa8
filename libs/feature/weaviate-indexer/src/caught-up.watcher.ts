import type { Admin } from 'kafkajs';

/** Per topic-partition, the offset a consumer must have committed to have read everything. */
export type EndOffsets = Map<string, { topic: string; partition: number; end: bigint }>;

/** The topics' end offsets now; partitions with nothing left to read (empty, or expired) are left out. */
export async function endOffsets(admin: Pick<Admin, 'fetchTopicOffsets'>, topics: readonly string[]): Promise<EndOffsets> {
  const out: EndOffsets = new Map();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const end = BigInt(p.high);
      if (end > BigInt(p.low)) out.set(`${topic}:${p.partition}`, { topic, partition: p.partition, end });
    }
  }
  return out;
}

/** Partitions whose committed offset (for the group) has not reached the end offset yet. */
export async function partitionsBehind(admin: Pick<Admin, 'fetchOffsets'>, groupId: string, targets: EndOffsets): Promise<number> {
  const topics = [...new Set([...targets.values()].map((t) => t.topic))];
  if (topics.length === 0) return 0;
  const committed = new Map<string, bigint>();
  for (const t of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of t.partitions) committed.set(`${t.topic}:${p.partition}`, BigInt(p.offset));
  }
  let behind = 0;
  for (const [key, target] of targets) if ((committed.get(key) ?? -1n) < target.end) behind++;
  return behind;
}
