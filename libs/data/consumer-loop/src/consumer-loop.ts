import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { consumerDeadLetter, deadLetterHeaders, deadLetterValue } from '@mch/contracts';
import { messageHeaders as headersOf } from '@mch/infra-kafka';
import { isDomainException } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { CorrelationHeaders, runWithCorrelation, isValidCorrelationId } from '@mch/util-correlation';
import type { ProcessingLog } from './processing-log';
import type {
  BatchSink,
  ConsumedRecord,
  ConsumerLoopOptions,
  ConsumerLoopStats,
  MessageDecoder,
  RejectedRecord,
} from './consumer-loop.types';

interface Pending<T> {
  records: ConsumedRecord<T>[];
  rejected: RejectedRecord[];
  /** Next offset to commit per topic-partition once the batch is written. */
  offsets: Map<string, { topic: string; partition: number; offset: string }>;
  timer?: NodeJS.Timeout;
}

/**
 * Consume -> batch -> write -> commit. Messages from all partitions collect into one batch until
 * it holds `maxBatchRecords` or its first record waited `maxBatchWaitMs`; the batch is written to
 * the sink, bad records go to the dead-letter topic and the processing log, and only then are the
 * partitions' offsets committed. A crash before the commit replays the batch, which the sink
 * absorbs because its writes are idempotent.
 */
export class ConsumerLoop<T> {
  private consumer?: Consumer;
  private pending: Pending<T> = ConsumerLoop.empty();
  private flushing: Promise<void> = Promise.resolve();
  readonly stats: ConsumerLoopStats = { written: 0, deadLettered: 0, batches: 0, lastCommitAt: null, groupJoins: 0 };
  private failure?: unknown;
  private stopping = false;
  private failed?: (error: unknown) => void;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly decode: MessageDecoder<T>,
    private readonly sink: BatchSink<T>,
    private readonly logger: Logger,
    private readonly processingLog: ProcessingLog | null,
    private readonly options: ConsumerLoopOptions,
  ) {}

  private static empty<T>(): Pending<T> {
    return { records: [], rejected: [], offsets: new Map() };
  }

  /** Starts consuming; resolves once subscribed. `onFailure` hears a batch that could not be written. */
  async start(onFailure?: (error: unknown) => void): Promise<void> {
    this.failed = onFailure;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      maxBytesPerPartition: this.options.fetchMaxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: this.options.fetchMaxBytes ?? 32 * 1024 * 1024,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 5_000,
      sessionTimeout: this.options.sessionTimeoutMs ?? 45_000,
      // kafkajs restarts a consumer that crashed on anything it deems retriable, however often.
      // Once this loop has failed (or is stopping) a restart would only rejoin the group and crash
      // on the same failure every 300 ms, holding the process alive after its app was closed; the
      // pod must exit instead, so its restart gets a fresh client (retries: kafkajs's default).
      retry: { retries: 5, restartOnFailure: async () => this.failure === undefined && !this.stopping },
    });
    // A crash kafkajs does not restart from (a non-retriable answer such as an inconsistent group
    // protocol) would otherwise leave the service up and consuming nothing.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && !this.stopping && this.failure === undefined) this.fail('the consumer crashed and kafkajs does not restart it', payload.error, 0);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => void this.stats.groupJoins++);
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning });
    this.consumer = consumer;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 16,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * Accepts nothing more, writes what was accepted, then leaves the group. Records fetched while
   * the consumer disconnects are left uncommitted (the next run reads them): accepting them used
   * to schedule a write after stop() had resolved, under a client the app was already closing
   * ("Channel has been shut down" from a one-shot weaviate-indexer job).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.flush().catch(() => undefined);
    await this.consumer?.disconnect();
    await this.flushing.catch(() => undefined);
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.stopping) return;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      this.accept(batch.topic, batch.partition, message);
    }
    const last = batch.messages.at(-1);
    if (!last) return;
    this.pending.offsets.set(`${batch.topic}:${batch.partition}`, {
      topic: batch.topic,
      partition: batch.partition,
      offset: (BigInt(last.offset) + 1n).toString(),
    });
    // Fetching goes on while the batch fills (offsets are committed only after the write, never on
    // resolve), so a batch can span many fetches; only a full batch makes the fetch wait for it.
    resolveOffset(last.offset);
    if (this.pending.records.length + this.pending.rejected.length < this.options.maxBatchRecords) {
      const filling = this.pending;
      filling.timer ??= setTimeout(() => void this.flushWhenIdle(filling), this.options.maxBatchWaitMs);
      return;
    }
    // Double buffering: a full batch is written while the next one fills, so fetching and decoding
    // overlap the store's write; fetching waits only when the batch before this one is still being
    // written (at most two batches are held in memory).
    const earlier = this.flushing;
    void this.flush();
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 3_000);
    try {
      await earlier;
    } finally {
      clearInterval(beat);
    }
    if (this.failure) throw this.failure;
  }

  private accept(topic: string, partition: number, message: KafkaMessage): void {
    const headers = headersOf(message);
    const key = message.key ? message.key.toString() : null;
    try {
      const decoded = this.decode(message, topic);
      this.pending.records.push({
        topic,
        partition,
        offset: message.offset,
        key,
        value: decoded.value,
        headers,
        entityType: decoded.entityType,
        entityId: decoded.entityId,
        sourcePosition: decoded.sourcePosition ?? null,
      });
    } catch (error) {
      this.pending.rejected.push({
        topic,
        partition,
        offset: message.offset,
        key,
        rawValue: message.value ? message.value.toString() : null,
        headers,
        entityType: isDomainException(error) ? String(error.details.entity ?? 'unknown') : 'unknown',
        entityId: isDomainException(error) ? String(error.details.id ?? key ?? 'unknown') : (key ?? 'unknown'),
        error: {
          code: isDomainException(error) ? error.code : 'DECODE_FAILED',
          message: error instanceof Error ? error.message : String(error),
          ...(isDomainException(error) && error.details.field ? { field: String(error.details.field) } : {}),
          ...(isDomainException(error) && typeof error.details.limit === 'number' ? { limit: error.details.limit } : {}),
        },
      });
    }
  }

  /**
   * A batch whose time is up is written as soon as no other write is in flight: while one is, it
   * keeps filling, so under a backlog batches grow towards maxBatchRecords instead of queueing up
   * as many small inserts (adaptive batching), and when idle it goes at once.
   */
  private async flushWhenIdle(batch: Pending<T>): Promise<void> {
    await this.flushing;
    if (this.pending === batch) await this.flush();
  }

  /** Writes the pending batch; serialised so offsets are committed in order. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = ConsumerLoop.empty();
    clearTimeout(batch.timer);
    this.flushing = this.flushing.then(() => this.writeBatch(batch));
    return this.flushing;
  }

  private async writeBatch(batch: Pending<T>): Promise<void> {
    if (batch.offsets.size === 0 && batch.records.length === 0 && batch.rejected.length === 0) return;
    // After a failed batch nothing later may commit: its offsets would skip the failed records.
    if (this.failure) return;
    try {
      const rejected = [...batch.rejected];
      const writtenByTopic = new Map<string, number>();
      let writeSeconds = 0;
      if (batch.records.length > 0) {
        const writeStarted = performance.now();
        const result = await this.writeWithRetry(batch.records);
        writeSeconds = (performance.now() - writeStarted) / 1000;
        const refused = new Set(result.rejected.map((r) => r.record));
        for (const r of batch.records) if (!refused.has(r)) writtenByTopic.set(r.topic, (writtenByTopic.get(r.topic) ?? 0) + 1);
        for (const { record, error } of result.rejected) {
          rejected.push({
            ...record,
            rawValue: JSON.stringify(record.value),
            rawIsOriginal: false,
            entityType: String((record.value as { aggregateType?: unknown })?.aggregateType ?? 'unknown'),
            entityId: String((record.value as { aggregateId?: unknown })?.aggregateId ?? record.key ?? 'unknown'),
            error,
          });
        }
        this.stats.written += batch.records.length - result.rejected.length;
        await this.logSucceeded(batch.records, new Set(result.rejected.map((r) => r.record)));
      }
      await this.deadLetter(rejected);
      await this.commit(batch);
      this.stats.batches++;
      this.stats.lastCommitAt = new Date();
      if (batch.records.length > 0) this.options.observer?.batchWritten({ writtenByTopic, records: batch.records.length, writeSeconds });
    } catch (error) {
      this.fail('batch could not be written; stopping the consumer', error, batch.records.length);
    }
  }

  /** The loop is over: nothing more is written or committed, and onFailure hears why. */
  private fail(message: string, error: unknown, records: number): void {
    this.failure = error;
    this.logger.error(message, { error, records });
    this.failed?.(error);
  }

  /**
   * Commits a written batch's offsets. A commit refused because the group is rebalancing (or this
   * member's generation ended) is not a failure: the batch is written, and whoever owns the
   * partitions next re-reads from the last committed offset, which the sink absorbs (writes are
   * idempotent). Stopping the consumer there would turn every rebalance into an outage.
   */
  private async commit(batch: Pending<T>): Promise<void> {
    try {
      await this.consumer?.commitOffsets([...batch.offsets.values()]);
    } catch (error) {
      if (!isRebalanceError(error)) throw error;
      this.logger.info('offsets not committed: the group is rebalancing; the partitions\' next owner re-reads these records (idempotent writes)', {
        reason: (error as { type?: string }).type,
        partitions: batch.offsets.size,
      });
    }
  }

  private async writeWithRetry(records: ConsumedRecord<T>[]) {
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sink.write(records);
      } catch (error) {
        if (attempt >= this.options.maxWriteAttempts) throw error;
        this.logger.warn('batch write failed; retrying', { attempt, records: records.length, error });
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** Before the offsets are committed: a crash in between replays the batch and logs it again. */
  private async logSucceeded(records: ConsumedRecord<T>[], rejected: ReadonlySet<ConsumedRecord<T>>): Promise<void> {
    const policy = this.options.logSucceeded;
    if (!policy || !this.processingLog) return;
    const written = records.filter((r) => !rejected.has(r));
    await this.processingLog.record(
      written.map((r) => {
        const value = (r.value ?? {}) as { aggregateType?: unknown; aggregateId?: unknown; metadata?: { sourcePosition?: unknown } };
        const position = r.sourcePosition ?? value.metadata?.sourcePosition;
        return {
          // The aggregate type, as dead letters are logged; the decoder's names when the value has none.
          entityId: String(value.aggregateId ?? r.entityId ?? r.key ?? 'unknown'),
          entityType: String(value.aggregateType ?? r.entityType ?? 'unknown'),
          action: policy.action,
          status: 'succeeded' as const,
          correlationId: r.headers[CorrelationHeaders.kafka],
          // The consumed event caused this processing.
          causationId: r.headers['event-id'] ?? null,
          metadata: {
            topic: r.topic,
            partition: r.partition,
            offset: r.offset,
            ...(typeof position === 'string' ? { sourcePosition: position } : {}),
            ...(policy.metadata?.(r as ConsumedRecord<unknown>) ?? {}),
          },
        };
      }),
    );
  }

  private async deadLetter(rejected: RejectedRecord[]): Promise<void> {
    if (rejected.length === 0) return;
    const byTopic = Map.groupBy(rejected, (r) => this.options.deadLetterTopicFor(r.topic));
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic.entries()].map(([topic, records]) => ({
        topic,
        messages: records.map((r) => {
          const letter = consumerDeadLetter({
            stage: this.options.stage ?? this.options.serviceName,
            service: this.options.serviceName,
            original: { topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.rawValue, headers: r.headers, exact: r.rawIsOriginal !== false },
            entity: null,
            id: r.entityId === 'unknown' ? null : r.entityId,
            reason: r.error,
          });
          // The original headers stay (correlation, event id), beside the dead letter's own.
          return { key: r.key, value: deadLetterValue(letter), headers: { ...r.headers, ...deadLetterHeaders(letter) } };
        }),
      })),
    });
    await this.processingLog?.record(
      rejected.map((r) => ({
        entityId: r.entityId,
        entityType: r.entityType,
        action: `consume:${r.topic}`,
        status: 'dead_lettered' as const,
        correlationId: r.headers[CorrelationHeaders.kafka],
        causationId: r.headers['event-id'] ?? null,
        errorCode: r.error.code,
        errorMessage: r.error.message,
        metadata: { partition: r.partition, offset: r.offset, field: r.error.field ?? null },
      })),
    );
    for (const r of rejected) {
      const correlationId = r.headers[CorrelationHeaders.kafka];
      const log = () =>
        this.logger.warn('record dead-lettered', {
          entity: r.entityType,
          id: r.entityId,
          topic: r.topic,
          offset: r.offset,
          error: r.error,
        });
      if (isValidCorrelationId(correlationId)) runWithCorrelation({ correlationId }, log);
      else log();
    }
    this.stats.deadLettered += rejected.length;
    this.options.observer?.deadLettered(rejected, this.options.stage ?? this.options.serviceName);
  }
}

const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/**
 * kafkajs's protocol errors of a group that moved on (its own isRebalancing, plus an expired
 * member), also when its retrier has wrapped them: a non-retriable one (ILLEGAL_GENERATION) reaches
 * the caller as KafkaJSNonRetriableError with the protocol error as its cause.
 */
export function isRebalanceError(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown } | null, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (REBALANCE_TYPES.has(e.type as string)) return true;
  }
  return false;
}
