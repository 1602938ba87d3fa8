import type { Pool } from 'pg';
import { formatSourcePosition, type MigratedEntity } from '@mch/contracts';
import type { CheckpointStore } from '@mch/data-checkpoints';
import { assertReadsEveryRow } from '@mch/infra-postgres';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import type { LogicalChangeCapture } from '../capture/logical.capture';
import { quoteIdent, sourceSelectList, ENTITY_SOURCES, type EntitySource } from '../mapping/entity-sources';
import type { RawRow } from '../mapping/row-mapper';
import type { ChangeRecord, MigrationRunInfo } from '../publish/change-record';
import type { KafkaPublisher } from '../publish/kafka.publisher';
import { ChangeStreamer } from '../stream/change.streamer';
import { lowWatermark } from './low-watermark';

export interface ResnapshotDeps {
  pool: Pool;
  capture: LogicalChangeCapture;
  publisher: KafkaPublisher;
  checkpoints: CheckpointStore;
  logger: Logger;
  /**
   * What the run's consumers hold now: each key whose newest event (by source position) is not a
   * delete, with that position. Rows deleted while the slot was gone are found only here.
   */
  downstreamKeys(entity: MigratedEntity): Promise<Map<string, string>>;
}

export interface ResnapshotOptions {
  run: MigrationRunInfo;
  /** Who runs it (pod or host name): holds the capture's lease meanwhile. */
  owner: string;
  chunkRows: number;
  leaseTtlMs: number;
  /** How long the low watermark waits for transactions open before it. */
  waitMs: number;
  /** How long streaming may take to reach a chunk's high watermark. */
  catchUpMs: number;
}

export interface EntityResnapshot {
  entity: MigratedEntity;
  chunks: number;
  /** Rows published as snapshot copies. */
  copied: number;
  /** Rows gone from PostgreSQL but live downstream: published as deletes. */
  deleted: number;
  /** Rows left out because a streamed change of theirs won over the copy. */
  superseded: number;
}

export interface ResnapshotSummary {
  run: string;
  slot: string;
  slotStartLsn: string;
  /** Every copy and synthesized delete is published at this position (L - 1). */
  position: string;
  entities: EntityResnapshot[];
  streamed: number;
  seconds: number;
}

function chunkQuery(source: EntitySource): string {
  const select = sourceSelectList(source);
  const table = quoteIdent(source.table);
  return `SELECT ${select} FROM ${table} WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY ${table}.id LIMIT $2`;
}

export function resnapshotCheckpointName(run: MigrationRunInfo, entity: MigratedEntity): string {
  return `${run.migrationRun}:resnapshot:${entity}`;
}

/**
 * Recovers a lost slot (DBLog / Debezium incremental snapshot, adapted to per-row positions):
 *
 * 1. The slot is re-created first, so every change from here on is captured, and this process
 *    streams it to Kafka while it snapshots (the service keeps away while the gap is open).
 * 2. Low watermark L (lowWatermark): every change before L is visible to the chunk reads that
 *    follow; every change they miss is captured at a position after L.
 * 3. Per chunk (keyset order, no locks on the monolith): read the rows, take the high watermark
 *    H (the insert position) and stream until the slot confirmed H. A row whose key had a
 *    streamed change wins over the chunk's copy and is left out; the others are published as
 *    snapshot events at position L - 1. Keys live downstream but gone from the table within the
 *    chunk's key range are published as deletes at L - 1.
 *
 * L - 1 orders right on both sides: every version published before the loss sits before L (older,
 * so the copy wins), every change the chunk missed sits at L or later (newer, so it wins in
 * ClickHouse's argMax and every consumer keeping the highest position). Records are 8-byte
 * aligned, so no change has position L - 1 itself. Progress per entity is checkpointed, so a
 * re-run after a crash resumes; the gap closes (and the service resumes) only when all is done.
 */
export async function runIncrementalResnapshot(
  deps: ResnapshotDeps,
  options: ResnapshotOptions,
): Promise<ResnapshotSummary> {
  const started = performance.now();
  const { capture, logger } = deps;
  const state = await capture.record.read();
  if (!state?.gap) {
    throw new DomainException(
      ErrorCode.PreconditionFailed,
      `migration run ${options.run.migrationRun} has no open slot gap on data_migration_state '${capture.record.name}': nothing to re-snapshot`,
      { entity: 'data_migration_state', id: capture.record.name, field: 'error_details' },
    );
  }
  const gap = state.gap;
  const tables = capture.entities.map((e) => ENTITY_SOURCES[e].table);
  await assertReadsEveryRow(deps.pool, tables, 'kafka-migrator resnapshot');
  const token = await deps.checkpoints.acquireLease(capture.record.name, options.owner, options.leaseTtlMs);
  const renew = async () => {
    if (!(await deps.checkpoints.renewLease(capture.record.name, options.owner, token, options.leaseTtlMs))) {
      throw new DomainException(
        ErrorCode.ConcurrencyConflict,
        `lost the lease on ${capture.record.name} to another runner; stopping`,
        {
          entity: 'data_migration_state',
          id: capture.record.name,
          field: 'lease_owner',
        },
      );
    }
  };
  try {
    // A re-run after a crash keeps the slot the earlier attempt made (and that attempt's progress):
    // re-creating it would lose the changes since. A slot lost again means starting over.
    const resumable = gap.recovery !== undefined && (await capture.slotUsable());
    const slotStartLsn = resumable && gap.recovery ? gap.recovery.slotStartLsn : await capture.recreateSlot();
    if (!resumable)
      await capture.record.recovering({
        startedAt: new Date().toISOString(),
        owner: options.owner,
        slotStartLsn,
      });
    logger.info(
      resumable ? 're-snapshot resumed on the slot it re-created' : 're-snapshot started: slot re-created',
      {
        run: options.run.migrationRun,
        slot: capture.slot,
        slot_start_lsn: slotStartLsn,
        gap,
      },
    );

    const changed = new Set<string>();
    const streamer = new ChangeStreamer(capture, deps.publisher, options.run, logger, {
      batchSize: 5_000,
      idleMs: 20,
      onPublished: (changes) => {
        for (const c of changes) changed.add(`${c.entity}\u0000${c.key.toLowerCase()}`);
      },
    });
    const low = await lowWatermark(deps.pool, options.waitMs);
    const position = formatSourcePosition('lsn', low - 1n);
    const entities: EntityResnapshot[] = [];
    for (const entity of capture.entities) {
      entities.push(
        await resnapshotEntity(deps, options, {
          entity,
          low,
          position,
          changed,
          streamer,
          recovery: slotStartLsn,
          renew,
        }),
      );
    }
    await streamer.catchUp(options.catchUpMs);
    const summary: ResnapshotSummary = {
      run: options.run.migrationRun,
      slot: capture.slot,
      slotStartLsn,
      position,
      entities,
      streamed: streamer.stats.published,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    await capture.record.closeGap({ ...summary });
    logger.info('re-snapshot completed: gap closed, change streaming can resume', { ...summary });
    return summary;
  } finally {
    await deps.checkpoints.releaseLease(capture.record.name, options.owner, token).catch(() => undefined);
  }
}

async function resnapshotEntity(
  deps: ResnapshotDeps,
  options: ResnapshotOptions,
  ctx: {
    entity: MigratedEntity;
    low: bigint;
    position: string;
    changed: Set<string>;
    streamer: ChangeStreamer;
    /** Identifies this recovery (the new slot's start): progress of another one is not ours. */
    recovery: string;
    renew: () => Promise<void>;
  },
): Promise<EntityResnapshot> {
  const { entity } = ctx;
  const source = ENTITY_SOURCES[entity];
  const name = resnapshotCheckpointName(options.run, entity);
  const result: EntityResnapshot = { entity, chunks: 0, copied: 0, deleted: 0, superseded: 0 };
  const existing = await deps.checkpoints.get(name);
  if (existing?.metadata.recovery === ctx.recovery && existing.status === 'completed') return result;
  // Progress of another recovery (an earlier gap, or a slot lost again) is not this one's.
  if (existing && existing.metadata.recovery !== ctx.recovery) await deps.checkpoints.reset(name);
  const progress = await deps.checkpoints.start(name, entity, { recovery: ctx.recovery });

  // Versions at or after L came from this process's stream and are current already.
  const downstream = await deps.downstreamKeys(entity);
  const live = [...downstream]
    .filter(([, pos]) => pos < formatSourcePosition('lsn', ctx.low))
    .map(([id]) => id.toLowerCase())
    .sort();
  let liveIndex = 0;
  let after = (progress.checkpoint?.lastKey as string | undefined) ?? null;
  if (after !== null) while (liveIndex < live.length && live[liveIndex] <= after) liveIndex++;
  const sql = chunkQuery(source);
  const key = (id: string) => `${entity}\u0000${id}`;
  for (;;) {
    const rows = (await deps.pool.query<RawRow>(sql, [after, options.chunkRows])).rows;
    // High watermark: everything committed before the read is streamed (and its keys known)
    // before the chunk is published.
    await ctx.streamer.catchUp(options.catchUpMs);
    const last = rows.length === options.chunkRows ? String(rows[rows.length - 1].id).toLowerCase() : null;
    const present = new Set(rows.map((r) => String(r.id).toLowerCase()));
    const records: ChangeRecord[] = [];
    for (const row of rows) {
      const id = String(row.id).toLowerCase();
      if (ctx.changed.has(key(id))) result.superseded++;
      else records.push({ entity, operation: 'snapshot', key: id, row, position: ctx.position });
    }
    const copies = records.length;
    // Downstream keys within this chunk's range (after, last] (to the end for the last chunk).
    for (; liveIndex < live.length && (last === null || live[liveIndex] <= last); liveIndex++) {
      const id = live[liveIndex];
      if (present.has(id) || ctx.changed.has(key(id))) continue;
      records.push({ entity, operation: 'delete', key: id, row: null, position: ctx.position });
    }
    if (records.length > 0) {
      const published = await deps.publisher.publish(records, options.run);
      if (published.failed > 0)
        deps.logger.warn('re-snapshot rows dead-lettered', { entity, failed: published.failed });
    }
    result.chunks++;
    result.copied += copies;
    result.deleted += records.length - copies;
    after = last;
    await deps.checkpoints.save(name, {
      lastProcessedId: last,
      processedDelta: records.length,
      data: { lastKey: last, position: ctx.position },
    });
    await ctx.renew();
    if (last === null) break;
  }
  await deps.checkpoints.complete(name);
  deps.logger.info('re-snapshot of entity done', { ...result });
  return result;
}
