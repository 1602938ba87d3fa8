import type { Pool } from 'pg';
import type { MigratedEntity } from '@mch/contracts';
import type { CheckpointStore } from '@mch/data-checkpoints';
import { assertReadsEveryRow } from '@mch/infra-postgres';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { ENTITY_SOURCES } from '../mapping/entity-sources';
import type { KafkaPublisher } from '../publish/kafka.publisher';
import type { MigrationRunInfo } from '../publish/change-record';
import { readChunk, type CaptureMode } from './chunk.reader';
import { ChunkSizer, rowTextBytes } from './chunk-sizer';
import { shardRange } from './key-range';
import { LatencyGuard, sqlProbe, tableProbe } from './latency-guard';

export interface BackfillOptions {
  entity: MigratedEntity;
  run: MigrationRunInfo;
  shard: { index: number; count: number };
  /** Most rows per chunk. */
  batchSize: number;
  /** Most row text per chunk (ChunkSizer: a slow start, then sized by the rows seen); 0 or absent: rows only. */
  chunkMaxBytes?: number;
  captureMode: CaptureMode;
  /** Who runs this shard (pod name); the lease keeps a second runner off it. */
  owner: string;
  leaseTtlMs: number;
  /** Rows per second ceiling; 0 for none. */
  maxRowsPerSecond: number;
  /** Above this Kafka acknowledgement time the backfill pauses between chunks. */
  slowAckMs: number;
  /** Above this much WAL retained by the capture slot the backfill waits (logical mode). */
  maxRetainedWalBytes: number;
  /**
   * Pause between chunks while a read of the monolith's newest rows takes more than this many
   * times what it took before the backfill started (LatencyGuard); 0 or absent: no guard.
   */
  latencyFactor?: number;
  /** Longest such pause. */
  maxLatencyPauseMs?: number;
  /** The application's own read as the latency probe (run read-only); default: a read of the table's newest rows. */
  latencyProbeSql?: string;
  /** Least time between two probes; 0: one per chunk. */
  latencyProbeIntervalMs?: number;
  onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  entity: MigratedEntity;
  processed: number;
  failed: number;
  total: number | null;
  rowsPerSecond: number;
  etaSeconds: number | null;
  lastKey: string | null;
}

export interface BackfillSummary {
  entity: MigratedEntity;
  checkpoint: string;
  status: 'completed' | 'paused';
  published: number;
  failed: number;
  seconds: number;
  /** Time spent pausing because the monolith's latency was up. */
  throttledSeconds: number;
}

export interface BackfillDeps {
  pool: Pool;
  publisher: KafkaPublisher;
  checkpoints: CheckpointStore;
  logger: Logger;
  /** Bytes of WAL the capture slot holds back, or null when there is no slot. */
  retainedWalBytes?: () => Promise<number | null>;
  /** The latency signal (default: tableProbe on the entity's table). */
  latencyProbe?: () => Promise<number>;
}

export function backfillCheckpointName(run: MigrationRunInfo, entity: MigratedEntity, shard: { index: number; count: number }): string {
  return `${run.migrationRun}:backfill:${entity}:${shard.index}-of-${shard.count}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Backfills one shard of one entity: keyset chunks in key order, each published and acknowledged
 * by Kafka before its checkpoint is saved, under a lease whose fencing token every save and every
 * publish checks.
 * Resumes from the last checkpoint; a pause request (status set to paused) stops it cleanly
 * between chunks.
 */
export async function runBackfill(deps: BackfillDeps, options: BackfillOptions): Promise<BackfillSummary> {
  const source = ENTITY_SOURCES[options.entity];
  const name = backfillCheckpointName(options.run, options.entity, options.shard);
  await assertReadsEveryRow(deps.pool, [source.table], 'backfill');
  const range = shardRange(options.shard.index, options.shard.count);
  const state = await deps.checkpoints.start(name, options.entity, {
    migrationId: options.run.migrationId,
    shard: `${options.shard.index}/${options.shard.count}`,
  });
  const token = await deps.checkpoints.acquireLease(name, options.owner, options.leaseTtlMs);
  let lastKey = (state.checkpoint?.lastKey as string | undefined) ?? null;
  let pending = (state.checkpoint?.pending as { through: string; position: string } | undefined) ?? undefined;
  const total = await estimateRows(deps.pool, source.table, options.shard.count);
  let processed = state.totalProcessed + state.totalFailed;
  let published = 0;
  let failed = 0;
  const guard = new LatencyGuard(
    deps.latencyProbe ?? (options.latencyProbeSql ? sqlProbe(deps.pool, options.latencyProbeSql) : tableProbe(deps.pool, source.table)),
    { factor: options.latencyFactor ?? 0, maxPauseMs: options.maxLatencyPauseMs ?? 2_000, probeIntervalMs: options.latencyProbeIntervalMs ?? 0 },
    deps.logger,
  );
  await guard.calibrate();
  const started = performance.now();
  const throttled = () => guard.pausedMs / 1000;
  deps.logger.info('backfill started', { checkpoint: name, resume_from: lastKey, already_done: processed });

  // The next chunk is read while the current one is in flight to Kafka: reading and publishing
  // overlap. A prefetched chunk is exact on its own (its position is taken under its own locks).
  const sizer = options.chunkMaxBytes ? new ChunkSizer(options.batchSize, options.chunkMaxBytes) : new ChunkSizer(options.batchSize, Number.POSITIVE_INFINITY, options.batchSize);
  // A replayed chunk is re-read whole (it had at most batchSize rows), so its rows keep their event ids.
  const read = (after: string | null, replay?: { through: string; position: string }) =>
    readChunk(deps.pool, source, range, after, replay ? options.batchSize : sizer.nextRows, options.captureMode, replay);
  let next = read(lastKey, pending);
  try {
    for (;;) {
      const current = await deps.checkpoints.get(name);
      if (current?.status === 'paused') {
        await next.catch(() => undefined);
        deps.logger.info('backfill paused on request', { checkpoint: name, last_key: lastKey });
        return { entity: options.entity, checkpoint: name, status: 'paused', published, failed, seconds: (performance.now() - started) / 1000, throttledSeconds: throttled() };
      }
      await waitForWalRoom(deps, options);
      const chunkStarted = performance.now();
      const chunk = await next;
      pending = undefined;
      if (chunk.rows.length === 0) break;
      const chunkLast = String(chunk.rows[chunk.rows.length - 1].id);
      sizer.observe(chunk.rows.length, rowTextBytes(chunk.rows));
      next = read(chunkLast);
      next.catch(() => undefined);
      // Recorded before publishing: a crash after Kafka got the chunk re-publishes it identically.
      await deps.checkpoints.save(
        name,
        { processedDelta: 0, data: { lastKey, position: chunk.position, pending: { through: chunkLast, position: chunk.position } } },
        { fencingToken: token },
      );
      // Kafka publishes are fenced too: the checkpoint save above may have been answered only after
      // the lease expired and another runner took the shard (a stall, a slow network), so the lease
      // is renewed, owner and fencing token checked, right before the chunk goes out; the publish
      // then starts with a whole TTL ahead of it.
      if (!(await deps.checkpoints.renewLease(name, options.owner, token, options.leaseTtlMs))) throw lostLease(name);
      const result = await deps.publisher.publish(
        chunk.rows.map((row) => ({ entity: options.entity, operation: 'snapshot', key: String(row.id), row, position: chunk.position })),
        options.run,
      );
      lastKey = chunkLast;
      await deps.checkpoints.save(
        name,
        { lastProcessedId: lastKey, processedDelta: result.published, failedDelta: result.failed, data: { lastKey, position: chunk.position } },
        { fencingToken: token },
      );
      if (!(await deps.checkpoints.renewLease(name, options.owner, token, options.leaseTtlMs))) throw lostLease(name);
      published += result.published;
      failed += result.failed;
      processed += chunk.rows.length;
      const seconds = (performance.now() - started) / 1000;
      const rate = (published + failed) / Math.max(seconds, 0.001);
      options.onProgress?.({
        entity: options.entity,
        processed,
        failed: state.totalFailed + failed,
        total,
        rowsPerSecond: rate,
        etaSeconds: total !== null && rate > 0 ? Math.max(0, (total - processed) / rate) : null,
        lastKey,
      });
      await throttle(options, chunk.rows.length, performance.now() - chunkStarted, result.ackMs, deps.logger);
      await guard.afterChunk();
    }
    await deps.checkpoints.complete(name);
    deps.logger.info('backfill completed', { checkpoint: name, published, failed, throttled_seconds: Math.round(throttled() * 10) / 10 });
    return { entity: options.entity, checkpoint: name, status: 'completed', published, failed, seconds: (performance.now() - started) / 1000, throttledSeconds: throttled() };
  } catch (error) {
    if (!(error instanceof DomainException && error.code === ErrorCode.ConcurrencyConflict)) {
      await deps.checkpoints.fail(name, error).catch(() => undefined);
    }
    throw error;
  } finally {
    await deps.checkpoints.releaseLease(name, options.owner, token).catch(() => undefined);
  }
}

function lostLease(name: string): DomainException {
  return new DomainException(ErrorCode.ConcurrencyConflict, `lost the lease on ${name} to another runner; stopping`, {
    entity: 'data_migration_state',
    id: name,
    field: 'lease_owner',
  });
}

async function estimateRows(pool: Pool, table: string, shards: number): Promise<number | null> {
  const result = await pool.query<{ n: string }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass($1)`, [table]);
  const n = Number(result.rows[0]?.n ?? -1);
  return n > 0 ? Math.ceil(n / shards) : null;
}

/** Keeps under the rows/s ceiling and backs off while Kafka acknowledgements are slow. */
async function throttle(options: BackfillOptions, rows: number, elapsedMs: number, ackMs: number, logger: Logger): Promise<void> {
  let wait = 0;
  if (options.maxRowsPerSecond > 0) wait = Math.max(wait, (rows / options.maxRowsPerSecond) * 1000 - elapsedMs);
  if (ackMs > options.slowAckMs) {
    wait = Math.max(wait, ackMs);
    logger.warn('kafka acknowledgements are slow; backing off', { ack_ms: Math.round(ackMs), pause_ms: Math.round(ackMs) });
  }
  if (wait > 0) await sleep(wait);
}

async function waitForWalRoom(deps: BackfillDeps, options: BackfillOptions): Promise<void> {
  if (!deps.retainedWalBytes || options.maxRetainedWalBytes <= 0) return;
  for (let waited = 0; ; waited++) {
    const retained = await deps.retainedWalBytes();
    if (retained === null || retained <= options.maxRetainedWalBytes) return;
    if (waited % 10 === 0) {
      deps.logger.warn('capture slot retains too much WAL; backfill waits for the streamer', {
        retained_bytes: retained,
        limit_bytes: options.maxRetainedWalBytes,
      });
    }
    await sleep(1_000);
  }
}
