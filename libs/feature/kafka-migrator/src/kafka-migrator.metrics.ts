import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@mch/infra-postgres';
import { SERVICE_CONFIG, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import { CounterSync, ServiceMetrics } from '@mch/util-metrics';
import { ChangeStreamerRunner } from './change-streamer.runner';
import type { KafkaMigratorConfig } from './kafka-migrator.config';
import { readBackfillProgress, readSlotWal } from './migration-progress.query';

/**
 * The kafka-migrator's series (docs/monitoring.md): change capture from the streamer's counters,
 * the replication slots' WAL from pg_replication_slots, and the backfill Jobs' progress from their
 * checkpoints (the Jobs have no HTTP port), all read at scrape time.
 */
@Injectable()
export class KafkaMigratorMetrics {
  constructor(
    metrics: ServiceMetrics,
    runner: ChangeStreamerRunner,
    @Inject(PG_POOL) pool: Pool,
    @Inject(SERVICE_CONFIG) serviceConfig: LoadedServiceConfig,
  ) {
    const migrationId = (serviceConfig.app as KafkaMigratorConfig).migrationId ?? null;
    const published = new CounterSync(
      metrics.counter({
        name: 'mch_migrator_changes_published_total',
        help: 'Changes published to Kafka by change capture',
      }),
    );
    const failed = new CounterSync(
      metrics.counter({
        name: 'mch_migrator_changes_dead_lettered_total',
        help: 'Changes sent to the dead-letter topics by change capture',
      }),
    );
    const lastPublish = metrics.gauge({
      name: 'mch_migrator_last_publish_timestamp_seconds',
      help: 'When change capture last published',
    });
    const slotLost = metrics.gauge({
      name: 'mch_migrator_capture_slot_lost',
      help: '1 while capture is stopped because its replication slot was lost (recover with kafka-migrator resnapshot)',
    });
    metrics.onCollect('change-capture', () => {
      const status = runner.status();
      slotLost.set(status.slotGap ? 1 : 0);
      published.set({}, status.stats?.published ?? 0);
      failed.set({}, status.stats?.failed ?? 0);
      if (status.stats?.lastPublishAt) lastPublish.set(status.stats.lastPublishAt.getTime() / 1000);
    });

    const retained = metrics.gauge({
      name: 'mch_migrator_capture_retained_wal_bytes',
      help: 'WAL a replication slot holds back (current WAL - restart_lsn)',
      labelNames: ['slot'],
    });
    const lag = metrics.gauge({
      name: 'mch_migrator_capture_lag_bytes',
      help: 'Change-capture lag: WAL written that the slot consumer has not confirmed (current WAL - confirmed_flush_lsn)',
      labelNames: ['slot'],
    });
    const safe = metrics.gauge({
      name: 'mch_migrator_capture_safe_wal_bytes',
      help: 'WAL a slot may still retain before max_slot_wal_keep_size invalidates it (absent when unlimited)',
      labelNames: ['slot'],
    });
    const keepMax = metrics.gauge({
      name: 'mch_postgres_max_slot_wal_keep_bytes',
      help: 'max_slot_wal_keep_size in bytes (absent when unlimited)',
    });
    metrics.onCollect('replication-slots', async () => {
      const wal = await readSlotWal(pool);
      for (const g of [retained, lag, safe]) g.reset();
      for (const s of wal.slots) {
        retained.set({ slot: s.slot }, s.retainedBytes);
        lag.set({ slot: s.slot }, s.lagBytes);
        if (s.safeBytes !== null) safe.set({ slot: s.slot }, s.safeBytes);
      }
      keepMax.reset();
      if (wal.keepMaxBytes !== null) keepMax.set(wal.keepMaxBytes);
    });

    const labelNames = ['entity', 'shard'] as const;
    const processed = metrics.gauge({
      name: 'mch_backfill_processed_rows',
      help: 'Rows a backfill shard has published (its checkpoint)',
      labelNames,
    });
    const failedRows = metrics.gauge({
      name: 'mch_backfill_failed_rows',
      help: 'Rows a backfill shard sent to the dead-letter topic',
      labelNames,
    });
    const estimated = metrics.gauge({
      name: 'mch_backfill_estimated_rows',
      help: "Rows in the shard by the planner's estimate",
      labelNames,
    });
    const rate = metrics.gauge({
      name: 'mch_backfill_rate_rows_per_second',
      help: 'Rows per second over the time the shard has run',
      labelNames,
    });
    const eta = metrics.gauge({
      name: 'mch_backfill_eta_seconds',
      help: 'Seconds left at the current rate (0 once completed)',
      labelNames,
    });
    const running = metrics.gauge({
      name: 'mch_backfill_running',
      help: 'Whether the shard is running (1) or not (0)',
      labelNames,
    });
    const completed = metrics.gauge({
      name: 'mch_backfill_completed',
      help: 'Whether the shard has completed (1)',
      labelNames,
    });
    const lastProgress = metrics.gauge({
      name: 'mch_backfill_last_progress_timestamp_seconds',
      help: 'When the shard last saved a checkpoint',
      labelNames,
    });
    metrics.onCollect('backfill-progress', async () => {
      const shards = await readBackfillProgress(pool, migrationId);
      for (const g of [processed, failedRows, estimated, rate, eta, running, completed, lastProgress])
        g.reset();
      for (const s of shards) {
        const l = { entity: s.entity, shard: s.shard };
        processed.set(l, s.processed);
        failedRows.set(l, s.failed);
        if (s.estimatedRows !== null) estimated.set(l, s.estimatedRows);
        rate.set(l, s.rowsPerSecond);
        if (s.etaSeconds !== null) eta.set(l, s.etaSeconds);
        running.set(l, s.status === 'running' ? 1 : 0);
        completed.set(l, s.status === 'completed' ? 1 : 0);
        if (s.lastProgressAt !== null) lastProgress.set(l, s.lastProgressAt);
      }
    });
  }
}
