import type { PoolClient } from 'pg';

export interface OutboxMessage {
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  eventId?: string | null;
  topic: string;
  /** The message value, stored as jsonb and published as JSON. */
  payload: Record<string, unknown>;
  /** Kafka key; the aggregate id when absent, so one aggregate's messages share a partition. */
  partitionKey?: string;
  headers?: Record<string, string>;
  correlationId?: string | null;
  causationId?: string | null;
}

/**
 * Adds outbox rows inside the caller's transaction: the rows commit or roll back with the
 * business change they describe, which is the whole point of the pattern.
 */
export async function writeOutbox(client: PoolClient, messages: readonly OutboxMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const rows = messages.map((m) => ({
    event_id: m.eventId ?? null,
    aggregate_id: m.aggregateId,
    aggregate_type: m.aggregateType,
    event_type: m.eventType,
    topic: m.topic,
    payload: m.payload,
    partition_key: m.partitionKey ?? m.aggregateId,
    headers: m.headers ?? {},
    correlation_id: m.correlationId ?? null,
    causation_id: m.causationId ?? null,
  }));
  // Rows are inserted in array order, so positions (and per-aggregate publish order) follow it.
  const result = await client.query<{ id: string }>(
    `INSERT INTO event_outbox (event_id, aggregate_id, aggregate_type, event_type, topic, payload, partition_key,
                               headers, correlation_id, causation_id)
     SELECT (d->>'event_id')::uuid, (d->>'aggregate_id')::uuid, d->>'aggregate_type', d->>'event_type', d->>'topic',
            d->'payload', d->>'partition_key', d->'headers', (d->>'correlation_id')::uuid, (d->>'causation_id')::uuid
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(d, ord)
      ORDER BY ord
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  return result.rows.map((r) => r.id);
}
