import type { KafkaMessage } from 'kafkajs';

/** One consumed message after decoding, with where it came from (for commits and dead letters). */
export interface ConsumedRecord<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  headers: Record<string, string>;
  /** What the decoder said the message is about (for the processing log); absent when built elsewhere. */
  entityType?: string;
  entityId?: string;
  /** The event's source position, when the decoder knows it. */
  sourcePosition?: string | null;
}

/** A message that could not be used, and why; it goes to the dead-letter topic. */
export interface RejectedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  rawValue: string | null;
  /** False when rawValue is the decoded record as JSON (the store refused it), not the message itself. */
  rawIsOriginal?: boolean;
  headers: Record<string, string>;
  /** The entity the message is about, for the processing log. */
  entityType: string;
  entityId: string;
  error: { code: string; message: string; field?: string; limit?: number };
}

export interface SinkResult<T> {
  /** Records the sink refused for good (bad content for this store); they are dead-lettered. */
  rejected: { record: ConsumedRecord<T>; error: RejectedRecord['error'] }[];
}

/**
 * Writes a batch to the target store. It must be idempotent: a crash after the write and before
 * the offset commit replays the batch. Throwing means "retry the whole batch later" (the store is
 * unavailable); per-record permanent failures are returned as rejected instead.
 */
export interface BatchSink<T> {
  write(records: ConsumedRecord<T>[]): Promise<SinkResult<T>>;
}

/** Turns a raw message into a value, or throws a DomainException naming entity, id and field. */
export type MessageDecoder<T> = (
  message: KafkaMessage,
  topic: string,
) => { value: T; entityType: string; entityId: string; sourcePosition?: string | null };

export interface ConsumerLoopOptions {
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  /** A batch is written when it holds this many records... */
  maxBatchRecords: number;
  /** ...or when its oldest record has waited this long. */
  maxBatchWaitMs: number;
  /** Attempts to write one batch before the loop gives up and stops with the error. */
  maxWriteAttempts: number;
  deadLetterTopicFor: (topic: string) => string;
  serviceName: string;
  /** The stage named in dead letters (DeadLetterStage); the service name when absent. */
  stage?: string;
  /** Fetch limits (kafkajs defaults here: 32 MiB per fetch, 4 MiB per partition, 5 s wait). */
  fetchMaxBytes?: number;
  fetchMaxBytesPerPartition?: number;
  fetchMaxWaitMs?: number;
  /** The group drops a member silent this long (45 s): long enough for a slow batch write. */
  sessionTimeoutMs?: number;
  /**
   * Also log every written record as `succeeded` in the processing log (one row per record, in
   * the batch's commit path), which is what the entity_processing_status view reads (what the
   * tracking columns of migration 017 were for; docs/tracking.md). Off when absent: a log row
   * costs ~600 B of WAL per record, which a high-rate loader may not want to pay.
   */
  /** Sees every written batch and dead letter (metrics); none when absent. */
  observer?: ConsumerLoopObserver;
  logSucceeded?: {
    action: string;
    /** Extra facts of the processing, e.g. `{embeddingVersion}`; merged into the entry's metadata. */
    metadata?: (record: ConsumedRecord<unknown>) => Record<string, unknown>;
  };
}

/** Hears each written batch and each dead letter (the service's metrics; consumer-loop.metrics.ts). */
export interface ConsumerLoopObserver {
  /** A batch written and committed: records written per topic, its size, how long the sink took. */
  batchWritten(info: { writtenByTopic: ReadonlyMap<string, number>; records: number; writeSeconds: number }): void;
  /** Records sent to the dead-letter topic by this loop (stage as in the dead letter). */
  deadLettered(records: readonly RejectedRecord[], stage: string): void;
}

export interface ConsumerLoopStats {
  written: number;
  deadLettered: number;
  batches: number;
  lastCommitAt: Date | null;
  /** Times this loop's consumer joined its group (1 per start, 1 more per rebalance or restart). */
  groupJoins: number;
}
