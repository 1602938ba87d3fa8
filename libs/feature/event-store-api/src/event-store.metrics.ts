import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { RelayBatchResult } from '@mch/data-outbox';
import { PG_POOL } from '@mch/infra-postgres';
import { ErrorCode, isDomainException } from '@mch/util-errors';
import { LATENCY_BUCKETS, ServiceMetrics, deadLetterCounter } from '@mch/util-metrics';

export type AppendTransport = 'http' | 'kafka';

/** What an append came to: the label of mch_event_store_append_requests_total. */
export function appendResult(error: unknown): 'conflict' | 'invalid' | 'error' {
  if (!isDomainException(error)) return 'error';
  if (error.code === ErrorCode.ConcurrencyConflict) return 'conflict';
  return error.code === ErrorCode.ValidationFailed ? 'invalid' : 'error';
}

/**
 * The event store's series (docs/monitoring.md): appends by transport and result (conflicts are
 * stale expected versions), events appended, append latency; the outbox relay's published rows and
 * dead letters; the outbox backlog and the age of its oldest unpublished row (read at scrape time).
 */
@Injectable()
export class EventStoreMetrics {
  private readonly requests;
  private readonly events;
  private readonly latency;
  private readonly published;
  private readonly relayFailures;
  private readonly deadLetters;

  constructor(metrics: ServiceMetrics, @Inject(PG_POOL) pool: Pool) {
    this.requests = metrics.counter({
      name: 'mch_event_store_append_requests_total',
      help: 'Append requests by transport and result (ok, conflict: stale expected version, invalid, error)',
      labelNames: ['transport', 'result'],
    });
    this.events = metrics.counter({
      name: 'mch_event_store_events_appended_total',
      help: 'Events appended',
      labelNames: ['transport'],
    });
    this.latency = metrics.histogram({
      name: 'mch_event_store_append_duration_seconds',
      help: 'Time one append took (event rows, outbox rows, one transaction)',
      labelNames: ['transport'],
      buckets: LATENCY_BUCKETS,
    });
    this.published = metrics.counter({
      name: 'mch_outbox_published_total',
      help: 'Outbox rows the relay published to Kafka',
    });
    this.relayFailures = metrics.counter({
      name: 'mch_outbox_publish_failures_total',
      help: 'Outbox rows whose publish failed (retried with backoff)',
    });
    this.deadLetters = deadLetterCounter(metrics);
    for (const transport of ['http', 'kafka'] as const) {
      for (const result of ['ok', 'conflict', 'invalid', 'error'])
        this.requests.inc({ transport, result }, 0);
      this.events.inc({ transport }, 0);
    }
    const backlog = metrics.gauge({
      name: 'mch_outbox_backlog_events',
      help: 'Outbox rows not published, by status (pending, failed: retrying, dead_letter: parked)',
      labelNames: ['status'],
    });
    const age = metrics.gauge({
      name: 'mch_outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest outbox row not yet published (0 when none)',
    });
    metrics.onCollect('outbox-backlog', async () => {
      const { rows } = await pool.query<{ status: string; n: number; age: number | null }>(
        `SELECT status, count(*)::int AS n, extract(epoch FROM now() - min(created_at))::float8 AS age
           FROM event_outbox WHERE status <> 'published' GROUP BY status`,
      );
      for (const status of ['pending', 'failed', 'dead_letter'])
        backlog.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
      const waiting = rows
        .filter((r) => r.status !== 'dead_letter' && r.age !== null)
        .map((r) => r.age as number);
      age.set(waiting.length > 0 ? Math.max(...waiting) : 0);
    });
  }

  /** Runs one append, counting it by its result and timing it. */
  async observeAppend<T extends readonly unknown[]>(
    transport: AppendTransport,
    append: () => Promise<T>,
  ): Promise<T> {
    const stop = this.latency.startTimer({ transport });
    try {
      const events = await append();
      this.requests.inc({ transport, result: 'ok' });
      this.events.inc({ transport }, events.length);
      return events;
    } catch (error) {
      this.requests.inc({ transport, result: appendResult(error) });
      throw error;
    } finally {
      stop();
    }
  }

  /** The relay's batches (OutboxRelayOptions.onBatch). */
  relayBatch = (result: RelayBatchResult): void => {
    this.published.inc(result.published);
    this.relayFailures.inc(result.failed);
    if (result.deadLettered > 0)
      this.deadLetters.inc({ stage: 'outbox-relay', reason: 'MAX_ATTEMPTS' }, result.deadLettered);
  };

  /** An append command refused and sent to the commands' dead-letter topic. */
  commandDeadLettered(reason: string): void {
    this.deadLetters.inc({ stage: 'event-store-commands', reason });
  }
}
