import { createHash } from 'node:crypto';
import {
  DeadLetterStage,
  ENTITY_TOPICS,
  deadLetterHeaders,
  deadLetterTopic,
  deadLetterValue,
  truncateDeadLetterRow,
  type DeadLetterInput,
  type DeadLetterReason,
  type MigratedEntity,
} from '@mch/contracts';
import { isDomainException } from '@mch/util-errors';
import type { RecordProducer } from '@mch/infra-kafka';
import type { Logger } from '@mch/util-logger';
import type { ProcessingLog } from '@mch/data-consumer-loop';
import type { ChangeRecord, MigrationRunInfo } from './change-record';
import { buildMessage, type OutgoingMessage } from './envelope.builder';

export interface PublishResult {
  published: number;
  failed: number;
  /** The changes dead-lettered, and why (a replay reports them as still failing). */
  rejected: { entity: MigratedEntity; key: string; error: DeadLetterReason }[];
  /** Slowest Kafka acknowledgement of the call, for backpressure. */
  ackMs: number;
}

export interface PublisherOptions {
  serviceName: string;
  /** A message larger than this cannot be sent (the broker's message.max.bytes); it is dead-lettered. */
  maxMessageBytes: number;
}

interface Rejected {
  change: ChangeRecord;
  error: DeadLetterReason;
}

/**
 * Publishes changes as envelopes, keyed by row id (one row's versions share a partition, in
 * order). Returns only after Kafka acknowledged every message (acks=all), so a caller may then
 * checkpoint. A change that cannot be mapped or sent goes to the entity's dead-letter topic and
 * the processing log with its error; the others are published regardless.
 */
export class KafkaPublisher {
  constructor(
    private readonly producer: RecordProducer,
    private readonly logger: Logger,
    private readonly processingLog: ProcessingLog,
    private readonly options: PublisherOptions,
  ) {}

  async publish(changes: ChangeRecord[], run: MigrationRunInfo): Promise<PublishResult> {
    const good: OutgoingMessage[] = [];
    const rejected: Rejected[] = [];
    const now = new Date();
    for (const change of changes) {
      try {
        const message = buildMessage(change, run, now);
        const bytes = Buffer.byteLength(message.value) + Buffer.byteLength(message.key) + 512;
        if (bytes > this.options.maxMessageBytes) {
          rejected.push({
            change,
            error: {
              code: 'MESSAGE_TOO_LARGE',
              message: `${change.entity} ${change.key}: event of ${bytes} bytes exceeds the topic's ${this.options.maxMessageBytes}-byte limit (largest column: ${largestColumn(change.row) ?? 'none'})`,
              field: largestColumn(change.row) ?? '(event)',
              limit: this.options.maxMessageBytes,
            },
          });
          continue;
        }
        good.push(message);
      } catch (error) {
        rejected.push({
          change,
          error: {
            code: isDomainException(error) ? error.code : 'MAPPING_FAILED',
            message: error instanceof Error ? error.message : String(error),
            ...(isDomainException(error) && error.details.field ? { field: String(error.details.field) } : {}),
            ...(isDomainException(error) && typeof error.details.limit === 'number' ? { limit: error.details.limit } : {}),
          },
        });
      }
    }
    const started = performance.now();
    if (good.length > 0) await this.send(good);
    const ackMs = performance.now() - started;
    if (rejected.length > 0) await this.deadLetter(rejected, run);
    return {
      published: good.length,
      failed: rejected.length,
      rejected: rejected.map((r) => ({ entity: r.change.entity, key: r.change.key, error: r.error })),
      ackMs,
    };
  }

  /**
   * Kafka stores each partition's messages of one request as one record batch and refuses a batch
   * over the topic's max.message.bytes, so several multi-megabyte rows in one chunk would fail the
   * whole chunk: messages go in consecutive requests of at most that many bytes together, in order
   * (a single message never exceeds it: publish checked).
   */
  private async send(messages: OutgoingMessage[]): Promise<void> {
    let group: OutgoingMessage[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = Buffer.byteLength(m.value) + Buffer.byteLength(m.key) + 512;
      if (group.length > 0 && bytes + size > this.options.maxMessageBytes) {
        await this.sendRequest(group);
        group = [];
        bytes = 0;
      }
      group.push(m);
      bytes += size;
    }
    if (group.length > 0) await this.sendRequest(group);
  }

  private async sendRequest(messages: OutgoingMessage[]): Promise<void> {
    // Map.groupBy: a copy of the topic's list per message made this quadratic (about 100 MB of
    // short-lived arrays per 5,000-row chunk).
    const byTopic = Map.groupBy(messages, (m) => m.topic);
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic.entries()].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }

  /** Everything a replay needs: entity, id, run, the refused version's position and its row. */
  private letterOf(r: Rejected, run: MigrationRunInfo): DeadLetterInput {
    return {
      stage: DeadLetterStage.KafkaMigrator,
      service: this.options.serviceName,
      entity: r.change.entity,
      id: r.change.key.toLowerCase(),
      migrationId: run.migrationId,
      migrationRun: run.migrationRun,
      correlationId: run.correlationId,
      reason: r.error,
      original: null,
      source: {
        table: ENTITY_TOPICS[r.change.entity].table,
        operation: r.change.operation,
        position: r.change.position,
        row: truncateDeadLetterRow(r.change.row),
        rowDigest: rowDigest(r.change.row),
      },
    };
  }

  private async deadLetter(rejected: Rejected[], run: MigrationRunInfo): Promise<void> {
    const byEntity = Map.groupBy(rejected, (r) => r.change.entity);
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byEntity.entries()].map(([entity, list]) => ({
        topic: `${run.topicPrefix ?? ''}${deadLetterTopic(entity)}`,
        messages: list.map((r) => {
          const letter = this.letterOf(r, run);
          return { key: r.change.key, value: deadLetterValue(letter), headers: deadLetterHeaders(letter) };
        }),
      })),
    });
    await this.processingLog.record(
      rejected.map((r) => ({
        entityId: r.change.key,
        entityType: r.change.entity,
        action: `publish:${r.change.operation}`,
        status: 'dead_lettered' as const,
        correlationId: run.correlationId,
        migrationId: run.migrationId,
        errorCode: r.error.code,
        errorMessage: r.error.message,
        metadata: { position: r.change.position, field: r.error.field ?? null },
      })),
    );
    for (const r of rejected) {
      this.logger.warn('change dead-lettered', { entity: r.change.entity, id: r.change.key, error: r.error });
    }
  }
}

/** sha256 of the whole row, so a replay can tell whether the row changed since it was refused. */
export function rowDigest(row: ChangeRecord['row']): string | null {
  if (!row) return null;
  // Sorted by column: the backfill and change capture list columns in different orders.
  const entries = Object.entries(row)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

/** The column holding the most text: what made an event too large, for the dead letter to name. */
function largestColumn(row: ChangeRecord['row']): string | null {
  let best: string | null = null;
  let size = -1;
  for (const [column, value] of Object.entries(row ?? {})) {
    if (typeof value === 'string' && value.length > size) {
      best = column;
      size = value.length;
    }
  }
  return best;
}
