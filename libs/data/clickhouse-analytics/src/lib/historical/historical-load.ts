import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ENTITY_EVENTS, formatSourcePosition, type MigratedEntity } from '@mch/contracts';
import type { CheckpointStore } from '@mch/data-checkpoints';
import { ENTITY_SOURCES, mapRow, migrationEventId, sourceColumns, sourceSelectList, type CaptureMode } from '@mch/data-kafka-migration';
import { assertReadsEveryRow } from '@mch/infra-postgres';
import { isDomainException } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { analyticsTableFor, type AnalyticsTable } from '../schema/analytics-tables';
import { toAnalyticsRow } from '../rows/analytics-row.converter';
import { insertPartitioned } from '../insert/partitioned-insert';
import type { PartitionedLine } from '../insert/partition-groups';
import { copyTextRows, type CopyRow } from './copy-text.reader';

export interface HistoricalRejection {
  entity: MigratedEntity;
  id: string;
  /** The source row as read, for the dead-letter message. */
  row: CopyRow;
  error: { code: string; message: string; field?: string };
}

export interface HistoricalLoadOptions {
  entities: readonly MigratedEntity[];
  /** Rows per chunk: one COPY, one INSERT, one checkpoint. */
  chunkRows: number;
  /** Which position kind the change stream of this migration uses, so both compare. */
  captureMode: CaptureMode;
  correlationId: string;
  migrationId?: string | null;
  /** Checkpoint name prefix; the entity is appended. Stable across runs so a restarted Job resumes. */
  migrationName: string;
  /** Stop each entity after this many chunks (a Job slice); the next run resumes. */
  maxChunks?: number;
  /** Dead-letters rows that cannot be stored; awaited before the chunk's checkpoint. */
  onRejected: (rejections: HistoricalRejection[]) => Promise<void>;
  logger: Logger;
  /** Called after each chunk with the entity's totals so far (the CLI's progress bar or lines). */
  onProgress?: (progress: { entity: MigratedEntity; loaded: number; rejected: number; chunks: number }) => void;
}

export interface EntityLoadResult {
  loaded: number;
  rejected: number;
  chunks: number;
  completed: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Reads one chunk in key order with COPY (streamed, text format) and the position it is exact at.
 * The rows are locked FOR SHARE while the position is taken, as the Kafka backfill does: a change
 * committed before the locks is in the rows and has an earlier position; one made after waits and
 * gets a later position, so a loaded row never overrides a newer change arriving through Kafka.
 */
async function readChunk(pool: Pool, entity: MigratedEntity, after: string | null, limit: number, mode: CaptureMode): Promise<{ rows: CopyRow[]; position: string }> {
  const source = ENTITY_SOURCES[entity];
  const columns = Object.keys(sourceColumns(source));
  if (after !== null && !UUID.test(after)) throw new Error(`checkpoint id '${after}' is not a UUID`);
  // COPY takes no bind parameters; both interpolated values are checked above (UUID, integer).
  // ORDER BY names the table's column: bare `id` is the id::text output column, sorted in full.
  const sql = `COPY (SELECT ${sourceSelectList(source)} FROM ${quote(source.table)}
    ${after === null ? '' : `WHERE id > '${after}'::uuid`} ORDER BY ${quote(source.table)}.id LIMIT ${Math.trunc(limit)} FOR SHARE) TO STDOUT`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const rows: CopyRow[] = [];
    for await (const row of copyTextRows(client.query(copyTo(sql)), columns)) rows.push(row);
    const position =
      mode === 'logical'
        ? await client.query<{ p: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS p`)
        : await client.query<{ p: string }>(`SELECT nextval(pg_get_serial_sequence('mch_cdc_changes', 'seq'))::text AS p`);
    await client.query('COMMIT');
    return { rows, position: formatSourcePosition(mode === 'logical' ? 'lsn' : 'seq', BigInt(position.rows[0].p)) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function convertChunk(
  table: AnalyticsTable,
  entity: MigratedEntity,
  rows: CopyRow[],
  position: string,
  caps: AnalyticsCapabilities,
  options: HistoricalLoadOptions,
): { lines: PartitionedLine[]; rejected: HistoricalRejection[] } {
  const lines: PartitionedLine[] = [];
  const rejected: HistoricalRejection[] = [];
  const timestamp = new Date().toISOString();
  for (const row of rows) {
    const id = row.id ?? 'unknown';
    let data: Record<string, unknown>;
    try {
      data = mapRow(ENTITY_SOURCES[entity], row);
    } catch (error) {
      rejected.push({
        entity,
        id,
        row,
        error: isDomainException(error)
          ? { code: error.code, message: error.message, ...(error.details.field ? { field: String(error.details.field) } : {}) }
          : { code: 'VALIDATION_FAILED', message: error instanceof Error ? error.message : String(error) },
      });
      continue;
    }
    const converted = toAnalyticsRow(
      table,
      {
        envelope: {
          eventId: migrationEventId({ entity, key: id, position, operation: 'snapshot' }),
          eventType: ENTITY_EVENTS[entity].eventTypes.snapshot,
          aggregateId: id,
          timestamp,
          metadata: { correlationId: options.correlationId, causationId: null, migrationId: options.migrationId ?? null, sourcePosition: position, operation: 'snapshot' },
        },
        data,
      },
      caps,
    );
    if (converted.ok) lines.push(converted);
    else rejected.push({ entity, id, row, error: converted.error });
  }
  return { lines, rejected };
}

async function loadEntity(
  pool: Pool,
  client: ClickHouseClient,
  caps: AnalyticsCapabilities,
  checkpoints: CheckpointStore,
  entity: MigratedEntity,
  options: HistoricalLoadOptions,
): Promise<EntityLoadResult> {
  const table = analyticsTableFor(entity);
  if (!table) throw new Error(`${entity} has no analytics table`);
  const name = `${options.migrationName}:${entity}`;
  const result: EntityLoadResult = { loaded: 0, rejected: 0, chunks: 0, completed: false };
  const existing = await checkpoints.get(name);
  if (existing?.status === 'completed') return { ...result, completed: true };
  const run = await checkpoints.start(name, entity, { target: 'clickhouse', table: table.name });
  let after = run.lastProcessedId;
  try {
    let exhausted = false;
    while (!exhausted && (options.maxChunks === undefined || result.chunks < options.maxChunks)) {
      const { rows, position } = await readChunk(pool, entity, after, options.chunkRows, options.captureMode);
      if (rows.length === 0) {
        exhausted = true;
        break;
      }
      const { lines, rejected } = convertChunk(table, entity, rows, position, caps, options);
      await insertPartitioned(client, table, caps, lines);
      if (rejected.length > 0) await options.onRejected(rejected);
      after = rows[rows.length - 1].id;
      // Saved only after ClickHouse accepted the chunk: a crash before this re-reads the chunk,
      // whose rows then arrive as later versions of themselves and change no result.
      await checkpoints.save(name, { lastProcessedId: after, processedDelta: lines.length, failedDelta: rejected.length, data: { position, rows: rows.length } });
      result.loaded += lines.length;
      result.rejected += rejected.length;
      result.chunks++;
      options.logger.info('historical chunk loaded', { entity, table: table.name, rows: rows.length, rejected: rejected.length, position, after });
      options.onProgress?.({ entity, loaded: result.loaded, rejected: result.rejected, chunks: result.chunks });
      exhausted = rows.length < options.chunkRows;
    }
    result.completed = exhausted;
    if (result.completed) await checkpoints.complete(name);
    else await checkpoints.pause(name);
    return result;
  } catch (error) {
    await checkpoints.fail(name, error).catch(() => undefined);
    throw error;
  }
}

/**
 * Loads the entities' current rows straight from PostgreSQL into ClickHouse (no Kafka hop), each
 * entity on its own connection, resumable through the checkpoint store. The rows land as snapshot
 * versions at their read position, in the same tables and form as consumed events, so results
 * are exact whichever way (or both ways) a row arrived.
 */
export async function runHistoricalLoad(
  pool: Pool,
  client: ClickHouseClient,
  caps: AnalyticsCapabilities,
  checkpoints: CheckpointStore,
  options: HistoricalLoadOptions,
): Promise<Partial<Record<MigratedEntity, EntityLoadResult>>> {
  // Under RLS a filtered role would load a fraction of each table without an error.
  await assertReadsEveryRow(pool, options.entities.map((entity) => ENTITY_SOURCES[entity].table), 'historical load');
  const results = await Promise.all(options.entities.map(async (entity) => [entity, await loadEntity(pool, client, caps, checkpoints, entity, options)] as const));
  return Object.fromEntries(results);
}
