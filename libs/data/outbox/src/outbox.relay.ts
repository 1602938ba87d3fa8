import type { Pool, PoolClient } from 'pg';
import type { ProducedBatch, ProducedMessage, RecordProducer } from '@mch/infra-kafka';
import { EventHeaders } from '@mch/contracts';
import type { Logger } from '@mch/util-logger';
import { retryDelayMs } from './outbox-backoff';

export interface OutboxRelayOptions {
  /** Distinct aggregates claimed per batch. */
  aggregatesPerBatch: number;
  /** Rows published per batch at most. */
  rowsPerBatch: number;
  pollIntervalMs: number;
  /** After this many failed attempts a row is parked as dead_letter with its last error. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Published rows older than this are deleted by cleanupPublished(). */
  retentionMs: number;
  /**
   * Batches start() and drain() keep open at once: one being marked, one being sent, one claimed
   * and waiting for its turn to send. Each holds a pool connection until it commits.
   */
  batchesInFlight?: number;
  /** Hears every committed batch (the service's metrics); none when absent. */
  onBatch?: (result: RelayBatchResult) => void;
}

export const DEFAULT_RELAY_OPTIONS: OutboxRelayOptions = {
  aggregatesPerBatch: 500,
  rowsPerBatch: 2_000,
  pollIntervalMs: 200,
  maxAttempts: 10,
  backoffBaseMs: 500,
  backoffMaxMs: 5 * 60_000,
  retentionMs: 7 * 24 * 3600_000,
  batchesInFlight: 3,
};

export interface OutboxRow {
  id: string;
  position: string;
  event_id: string | null;
  aggregate_id: string;
  aggregate_type: string;
  event_type: string;
  topic: string;
  /** The envelope as stored; the relay reads it as JSON text (payload::text) and sends that text as is. */
  payload: Record<string, unknown> | string;
  partition_key: string | null;
  headers: Record<string, string>;
  attempts: number;
  correlation_id: string | null;
  causation_id: string | null;
}

/**
 * The columns of an OutboxRow as the relay reads them. The payload comes as its JSON text and is
 * sent as is: parsing it into objects only to stringify it again cost the relay's one thread a
 * parse and a stringify per message.
 */
export const OUTBOX_ROW_COLUMNS = `id, position, event_id, aggregate_id, aggregate_type, event_type, topic, payload::text AS payload,
  partition_key, headers, attempts, correlation_id, causation_id`;

function toTopicMessages(rows: OutboxRow[]): ProducedBatch['topicMessages'] {
  const byTopic = new Map<string, ProducedMessage[]>();
  // push, not spread: copying the list per row made a 2,000-row batch quadratic.
  for (const row of rows) {
    const messages = byTopic.get(row.topic);
    if (messages) messages.push(outboxMessage(row));
    else byTopic.set(row.topic, [outboxMessage(row)]);
  }
  return [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages }));
}

export interface RelayBatchResult {
  published: number;
  failed: number;
  deadLettered: number;
}

/** Rows claimed in an open transaction on `client`, which holds their locks until it commits. */
interface ClaimedBatch {
  client: PoolClient;
  rows: OutboxRow[];
  /** Built at claim time, while the batch before is still waiting on Kafka, not on the send path. */
  topicMessages: ProducedBatch['topicMessages'];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Kafka message an outbox row becomes (also what the bench's sendBatch baseline sends). */
export function outboxMessage(row: OutboxRow): ProducedMessage {
  return {
    key: row.partition_key ?? row.aggregate_id,
    value: typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload),
    headers: {
      ...row.headers,
      [EventHeaders.outboxId]: row.id,
      [EventHeaders.eventType]: row.event_type,
      [EventHeaders.aggregateType]: row.aggregate_type,
      ...(row.event_id ? { [EventHeaders.eventId]: row.event_id } : {}),
      ...(row.correlation_id ? { [EventHeaders.correlationId]: row.correlation_id } : {}),
      // Without an explicit cause, the event itself is the cause of what consumers do with it.
      [EventHeaders.causationId]: row.causation_id ?? row.event_id ?? row.id,
    },
  };
}

/**
 * Publishes outbox rows to Kafka. Several instances may run at once: each batch claims whole
 * aggregates (their oldest unpublished row, locked with SKIP LOCKED, then that aggregate's later
 * rows), so one aggregate's rows are published by one instance at a time, in position order.
 * Rows are marked published in the same transaction that holds their locks, after Kafka
 * acknowledged them; a crash in between republishes them, and the duplicate carries the same
 * `outbox-id` header for consumers to drop.
 *
 * start() and drain() pipeline the batches: while batch N is sent, N+1 is claimed, and N is marked
 * while N+1 is sent. Each batch keeps its own transaction, so batches in flight are exactly like
 * separate relays: an aggregate whose rows are claimed (locked, still pending) cannot be claimed
 * again, since its later rows are not heads and its head is skipped as locked, until that batch
 * committed, which it does only after Kafka acknowledged it. Sends leave one at a time in claim
 * order through one queue.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private sendTail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly producer: RecordProducer,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions = DEFAULT_RELAY_OPTIONS,
  ) {}

  /** Claims, sends and marks one batch, without pipelining. */
  async runOnce(): Promise<RelayBatchResult> {
    const batch = await this.claimBatch();
    if (!batch) return { published: 0, failed: 0, deadLettered: 0 };
    return this.finish(batch, this.sendInOrder(batch.topicMessages));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.pump(() => this.running, false).then(() => undefined);
  }

  /** Stops claiming, then waits for the batches in flight to be acknowledged and committed. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Publishes, pipelined, until nothing is left to claim; throws the first batch failure. */
  async drain(): Promise<RelayBatchResult> {
    return this.pump(() => true, true);
  }

  private async pump(keepGoing: () => boolean, untilIdle: boolean): Promise<RelayBatchResult> {
    const total: RelayBatchResult = { published: 0, failed: 0, deadLettered: 0 };
    const depth = Math.max(1, this.options.batchesInFlight ?? 1);
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    try {
      while (keepGoing() && !(untilIdle && failure)) {
        while (inFlight.size >= depth) await Promise.race(inFlight);
        // Taken before the claim: a batch that commits while the claim runs leaves the claim's
        // snapshot blind to its rows being done, so an empty answer then does not mean idle.
        const waitingOnOthers = inFlight.size > 0;
        let batch: ClaimedBatch | undefined;
        try {
          batch = await this.claimBatch();
        } catch (error) {
          if (untilIdle) throw error;
          this.logger.error('outbox relay batch failed', { error });
          await Promise.all(inFlight);
          if (keepGoing()) await sleep(this.options.pollIntervalMs);
          continue;
        }
        if (!batch) {
          // Rows behind an aggregate still in flight are not claimable until that batch commits.
          if (waitingOnOthers) {
            await Promise.all(inFlight);
            continue;
          }
          if (untilIdle) break;
          await sleep(this.options.pollIntervalMs);
          continue;
        }
        const done: Promise<void> = this.finish(batch, this.sendInOrder(batch.topicMessages)).then(
          (result) => {
            total.published += result.published;
            total.failed += result.failed;
            total.deadLettered += result.deadLettered;
          },
          (error: unknown) => {
            failure ??= { error };
            if (!untilIdle) this.logger.error('outbox relay batch failed', { error });
          },
        );
        inFlight.add(done);
        void done.then(() => inFlight.delete(done));
      }
    } finally {
      // stop() and failures return only once no batch is still writing.
      await Promise.all(inFlight);
    }
    if (untilIdle && failure) throw failure.error;
    return total;
  }

  /** Deletes published rows past retention, in chunks, so the table stays small. */
  async cleanupPublished(chunk = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.pool.query(
        `DELETE FROM event_outbox WHERE id IN (
           SELECT id FROM event_outbox
            WHERE status = 'published' AND published_at < now() - ($1::bigint * interval '1 millisecond')
            LIMIT $2)`,
        [this.options.retentionMs, chunk],
      );
      total += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < chunk) return total;
    }
  }

  /** Opens a transaction and claims a batch in it; none (and nothing left open) when idle. */
  private async claimBatch(): Promise<ClaimedBatch | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const rows = await this.claim(client);
      if (rows.length > 0) return { client, rows, topicMessages: toTopicMessages(rows) };
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw error;
    }
    client.release();
    return undefined;
  }

  /** Waits for the batch's send, marks its rows (or isolates the failing ones) and commits. */
  private async finish(batch: ClaimedBatch, sent: Promise<void>): Promise<RelayBatchResult> {
    const { client, rows } = batch;
    try {
      const result = await this.publish(client, rows, sent);
      await client.query('COMMIT');
      this.options.onBatch?.(result);
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async claim(client: PoolClient): Promise<OutboxRow[]> {
    const heads = await client.query<{ aggregate_id: string }>(
      `SELECT o.aggregate_id FROM event_outbox o
        WHERE o.status IN ('pending', 'failed') AND o.next_attempt_at <= now()
          AND NOT EXISTS (SELECT 1 FROM event_outbox p
                           WHERE p.aggregate_id = o.aggregate_id AND p.status IN ('pending', 'failed')
                             AND p.position < o.position)
        ORDER BY o.position
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [this.options.aggregatesPerBatch],
    );
    if (heads.rows.length === 0) return [];
    const rows = await client.query<OutboxRow>(
      `SELECT ${OUTBOX_ROW_COLUMNS}
         FROM event_outbox
        WHERE aggregate_id = ANY($1::uuid[]) AND status IN ('pending', 'failed')
        ORDER BY position
        LIMIT $2
        FOR UPDATE`,
      [heads.rows.map((h) => h.aggregate_id), this.options.rowsPerBatch],
    );
    return rows.rows;
  }

  private async publish(client: PoolClient, rows: OutboxRow[], sent: Promise<void>): Promise<RelayBatchResult> {
    try {
      await sent;
      await this.markPublished(client, rows);
      return { published: rows.length, failed: 0, deadLettered: 0 };
    } catch (error) {
      this.logger.warn('outbox batch send failed; isolating the failing rows', { rows: rows.length, error });
    }
    // One aggregate at a time, in order; at its first failing row the aggregate stops, so later
    // rows never overtake it.
    const result: RelayBatchResult = { published: 0, failed: 0, deadLettered: 0 };
    const byAggregate = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const group = byAggregate.get(row.aggregate_id);
      if (group) group.push(row);
      else byAggregate.set(row.aggregate_id, [row]);
    }
    for (const group of byAggregate.values()) {
      for (const row of group) {
        try {
          await this.sendInOrder(toTopicMessages([row]));
          await this.markPublished(client, [row]);
          result.published++;
        } catch (error) {
          const dead = await this.markFailed(client, row, error);
          if (dead) result.deadLettered++;
          else result.failed++;
          break;
        }
      }
    }
    return result;
  }

  /**
   * Queues a send behind the ones before it: one produce at a time from this relay, in claim
   * order, as before pipelining, so the overlap is PostgreSQL work against Kafka work and never
   * two produce requests of this relay racing each other.
   */
  private sendInOrder(topicMessages: ProducedBatch['topicMessages']): Promise<void> {
    const sent = this.sendTail.then(() => this.producer.sendBatch({ acks: -1, topicMessages })).then(() => undefined);
    this.sendTail = sent.catch(() => undefined);
    return sent;
  }

  private async markPublished(client: PoolClient, rows: OutboxRow[]): Promise<void> {
    await client.query(
      `UPDATE event_outbox SET status = 'published', published_at = now(), attempts = attempts + 1, error_message = NULL
        WHERE id = ANY($1::uuid[])`,
      [rows.map((r) => r.id)],
    );
  }

  /** Returns true when the row reached the attempt limit and was parked as dead_letter. */
  private async markFailed(client: PoolClient, row: OutboxRow, error: unknown): Promise<boolean> {
    const attempts = row.attempts + 1;
    const dead = attempts >= this.options.maxAttempts;
    const message = error instanceof Error ? error.message : String(error);
    await client.query(
      `UPDATE event_outbox
          SET attempts = $2, status = $3, error_message = $4,
              next_attempt_at = now() + ($5::bigint * interval '1 millisecond')
        WHERE id = $1`,
      [row.id, attempts, dead ? 'dead_letter' : 'failed', message, retryDelayMs(attempts, this.options.backoffBaseMs, this.options.backoffMaxMs)],
    );
    const log = dead ? this.logger.error : this.logger.warn;
    log(dead ? 'outbox row moved to dead letter' : 'outbox row failed; will retry', {
      outbox_id: row.id,
      aggregate_id: row.aggregate_id,
      topic: row.topic,
      attempts,
      error: message,
    });
    return dead;
  }
}
