import type { ClickHouseClient } from '@clickhouse/client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { quoteIdentifier } from '../schema/analytics-tables.ddl';
import { MILLIS_SUFFIX } from '../schema/column.types';

/**
 * Rows whose event was created at or after `since` (event_timestamp, the envelope's time, to the
 * millisecond). A producer stamps the Kafka record after building the envelope, so each such row
 * comes from a record at or after `since`, which a reset to that time re-delivers: deleting them
 * loses nothing the replay does not write again.
 */
export function eventTimeSinceCondition(caps: AnalyticsCapabilities, since: Date): string {
  const ms = since.getTime();
  if (!Number.isFinite(ms)) throw new DomainException(ErrorCode.ValidationFailed, 'trim point is not a valid date', { field: 'since' });
  if (caps.dateTime64) return `event_timestamp >= toDateTime64(${(ms / 1000).toFixed(3)}, 3, 'UTC')`;
  // 18.16: DateTime (seconds) plus the milliseconds column.
  const seconds = Math.floor(ms / 1000);
  return `(toUInt32(event_timestamp) > ${seconds} OR (toUInt32(event_timestamp) = ${seconds} AND event_timestamp${MILLIS_SUFFIX} >= ${ms % 1000}))`;
}

export async function countRows(client: ClickHouseClient, table: string, where = '1'): Promise<number> {
  const result = await client.query({ query: `SELECT toString(count()) AS n FROM ${quoteIdentifier(table)} WHERE ${where}`, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string }>();
  return Number(row.n);
}

/** Rows in the table and rows a trim at `since` would delete. */
export async function trimCounts(client: ClickHouseClient, caps: AnalyticsCapabilities, table: string, since: Date): Promise<{ rows: number; trimmed: number }> {
  return { rows: await countRows(client, table), trimmed: await countRows(client, table, eventTimeSinceCondition(caps, since)) };
}

/**
 * Deletes the rows of events at or after `since` (an `ALTER TABLE … DELETE` mutation, 18.16 and
 * current) and waits until the server has applied it: mutations run in the background, and a
 * rollback must not resume consumers while one is pending. Idempotent: a second run matches nothing.
 */
export async function trimTableSince(
  client: ClickHouseClient,
  caps: AnalyticsCapabilities,
  table: string,
  since: Date,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<{ deleted: number; rows: number }> {
  const condition = eventTimeSinceCondition(caps, since);
  const matching = await countRows(client, table, condition);
  if (matching > 0) {
    await client.command({ query: `ALTER TABLE ${quoteIdentifier(table)} DELETE WHERE ${condition}` });
    await waitForMutations(client, table, options.timeoutMs ?? 600_000, options.pollMs ?? 200);
  }
  return { deleted: matching, rows: await countRows(client, table) };
}

/** Waits until no mutation of the table is pending; one the server reports failing is an error naming it. */
export async function waitForMutations(client: ClickHouseClient, table: string, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // SELECT *: 18.16 has no latest_fail_reason column (current servers do), nor query parameters.
    const result = await client.query({
      query: `SELECT * FROM system.mutations WHERE database = currentDatabase() AND table = '${table.replace(/[\\']/g, '\\$&')}' AND is_done = 0`,
      format: 'JSONEachRow',
    });
    const pending = await result.json<{ mutation_id: string; latest_fail_reason?: string }>();
    if (pending.length === 0) return;
    const failed = pending.find((m) => m.latest_fail_reason);
    if (failed) {
      throw new DomainException(ErrorCode.StoreUnavailable, `clickhouse mutation ${failed.mutation_id} on ${table} fails: ${failed.latest_fail_reason}`, {
        entity: 'clickhouse_table',
        id: table,
      });
    }
    if (Date.now() > deadline) {
      throw new DomainException(ErrorCode.StoreUnavailable, `clickhouse mutations on ${table} still pending after ${timeoutMs} ms: ${pending.map((m) => m.mutation_id).join(', ')}`, {
        entity: 'clickhouse_table',
        id: table,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
