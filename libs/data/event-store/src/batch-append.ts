import type { Pool } from 'pg';
import { APPEND_BATCH_SQL, APPEND_SQL } from './append.sql';

/** One append as the statements take it: APPEND_SQL's parameters, in order. */
export interface AppendParams {
  aggregateId: string;
  aggregateType: string;
  correlationId: string;
  causationId: string | null;
  userId: string | null;
  events: Array<{ event_id: string; event_type: string; data: unknown; metadata: unknown }>;
  expected: string;
  topic: string;
}

/** SQL states for which one append of a batch may be the cause: each is then retried on its own. */
const isPerAppendError = (code: unknown) =>
  typeof code === 'string' && (code === '23505' || code.startsWith('22') || code === '54001');

/** APPEND_SQL's parameters for one append. */
export function appendValues(a: AppendParams): unknown[] {
  return [a.aggregateId, a.aggregateType, a.correlationId, a.causationId, a.userId, JSON.stringify(a.events), a.expected, a.topic];
}

/** Named, so each connection plans the statement once (planning the CTE cost as much as running it). */
export async function appendOne<R>(pool: Pool, a: AppendParams): Promise<R[]> {
  const values = appendValues(a);
  return (await pool.query<R & object>({ name: 'mch-event-store-append', text: APPEND_SQL, values })).rows;
}

/**
 * Writes a batch of appends to distinct streams in one statement. When the statement fails for a
 * reason one append can cause (a stream appended to concurrently by another writer, a value the
 * store cannot hold), nothing of the batch was written, and each append is retried alone so only
 * its own outcome reaches its caller. Any other failure (the connection, the server) fails them all.
 */
export async function appendBatch<R extends { idx: number }>(pool: Pool, batch: AppendParams[]): Promise<Array<R[] | Error>> {
  if (batch.length === 1) return [await appendOne<R>(pool, batch[0])];
  const json = JSON.stringify(
    batch.map((a) => ({
      aggregate_id: a.aggregateId,
      aggregate_type: a.aggregateType,
      correlation_id: a.correlationId,
      causation_id: a.causationId,
      user_id: a.userId,
      expected: a.expected,
      topic: a.topic,
      events: a.events,
    })),
  );
  try {
    const rows = (await pool.query<R>({ name: 'mch-event-store-append-batch', text: APPEND_BATCH_SQL, values: [json] })).rows;
    const out: R[][] = batch.map(() => []);
    for (const row of rows) out[row.idx - 1].push(row);
    return out;
  } catch (error) {
    if (!isPerAppendError((error as { code?: string }).code)) throw error;
    return Promise.all(batch.map((a) => appendOne<R>(pool, a).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
  }
}
