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
  const result = await client.query<{ id: string }>(
    `INSERT INTO event_outbox (event_id, aggregate_id, aggregate_type, event_type, topic, payload, partition_key,
                               headers, correlation_id, causation_id)
     SELECT r.event_id, r.aggregate_id, r.aggregate_type, r.event_type, r.topic, r.payload, r.partition_key,
            r.headers, r.correlation_id, r.causation_id
       FROM jsonb_to_recordset($1::jsonb) WITH ORDINALITY AS r(
              event_id uuid, aggregate_id uuid, aggregate_type text, event_type text, topic text, payload jsonb,
              partition_key text, headers jsonb, correlation_id uuid, causation_id uuid, ord bigint)
      ORDER BY ord
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  return result.rows.map((r) => r.id);
}
