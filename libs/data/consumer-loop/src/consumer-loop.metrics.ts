import type { Admin } from 'kafkajs';
import { BATCH_SIZE_BUCKETS, LATENCY_BUCKETS, deadLetterCounter, type ServiceMetrics } from '@mch/util-metrics';
import type { ConsumerLoopObserver } from './consumer-loop.types';

/**
 * The consumer loop's series on the service's registry (docs/monitoring.md): records written per
 * topic, batch sizes and write latencies, dead letters by stage and reason. The same names in
 * clickhouse-populator and weaviate-indexer, told apart by the `service` label.
 */
export function consumerLoopObserver(metrics: ServiceMetrics): ConsumerLoopObserver {
  const written = metrics.counter({
    name: 'mch_consumer_records_written_total',
    help: 'Records written to the target store, by source topic (rate() gives rows/objects per second)',
    labelNames: ['topic'],
  });
  const batches = metrics.histogram({
    name: 'mch_consumer_batch_size_records',
    help: 'Records per batch written to the target store',
    buckets: BATCH_SIZE_BUCKETS,
  });
  const latency = metrics.histogram({
    name: 'mch_consumer_batch_write_duration_seconds',
    help: 'Time the target store took to write one batch (retries included)',
    buckets: LATENCY_BUCKETS,
  });
  const deadLetters = deadLetterCounter(metrics);
  return {
    batchWritten({ writtenByTopic, records, writeSeconds }) {
      for (const [topic, n] of writtenByTopic) written.inc({ topic }, n);
      batches.observe(records);
      latency.observe(writeSeconds);
    },
    deadLettered(records, stage) {
      for (const r of records) deadLetters.inc({ stage, reason: r.error.code });
    },
  };
}

/** Dead letters by stage (the service or step that refused the record) and reason (the error code). */

/**
 * Consumer lag per group, topic and partition (end offset minus committed offset, the whole
 * partition when the group has committed nothing), read from the brokers at scrape time.
 */
export function watchConsumerLag(
  metrics: ServiceMetrics,
  admin: () => Promise<Admin>,
  groupId: string,
  topics: () => readonly string[],
): void {
  const lag = metrics.gauge({
    name: 'mch_consumer_lag_messages',
    help: 'Messages not yet committed by the group, per partition (end offset - committed offset)',
    labelNames: ['group', 'topic', 'partition'],
  });
  metrics.onCollect(`consumer-lag:${groupId}`, async () => {
    const names = topics();
    if (names.length === 0) return;
    const a = await admin();
    const committed = new Map<string, bigint>();
    for (const t of await a.fetchOffsets({ groupId, topics: [...names] }))
      for (const p of t.partitions) committed.set(`${t.topic}:${p.partition}`, BigInt(p.offset));
    for (const topic of names) {
      for (const p of await a.fetchTopicOffsets(topic)) {
        const end = BigInt(p.high);
        const done = committed.get(`${topic}:${p.partition}`) ?? -1n;
        // Nothing committed yet (-1): everything still on the partition is behind.
        const from = done < 0n ? BigInt(p.low) : done;
        lag.set(
          { group: groupId, topic, partition: String(p.partition) },
          Number(end > from ? end - from : 0n),
        );
      }
    }
  });
}
