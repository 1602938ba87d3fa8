import { loadConfigSections, kafkaEnvSchema, postgresEnvSchema } from '@mch/util-config';
import { createProgressReporter } from '@mch/util-cli';
import { createLogger } from '@mch/util-logger';
import { createPostgresPool } from '@mch/infra-postgres';
import { createKafka } from '@mch/infra-kafka';
import { runWithCorrelation } from '@mch/util-correlation';
import { DEFAULT_TRANSIENT_RETRY, retryTransient, runBackfill, type BackfillSummary } from '@mch/data-kafka-migration';
import { kafkaMigratorConfigSchema } from './kafka-migrator.config';
import { buildMigrator } from './migrator.wiring';

/**
 * Job mode: backfill this pod's shard of every configured entity, print a JSON summary, exit 0
 * when every shard completed (rows that could not be migrated are dead-lettered and counted,
 * not fatal) and 1 otherwise. The change capture must already be set up (the streamer does it),
 * or changes made during the backfill would have no stream to arrive through.
 */
export async function runBackfillJob(env: NodeJS.ProcessEnv = process.env, output: { json?: boolean } = {}): Promise<number> {
  const config = loadConfigSections({ postgres: postgresEnvSchema, kafka: kafkaEnvSchema, app: kafkaMigratorConfigSchema }, env);
  const logger = createLogger({ service: 'kafka-migrator', level: (env.LOG_LEVEL as 'info') ?? 'info' });
  const app = config.app;
  return runWithCorrelation({ correlationId: app.migrationId }, async () => {
    const pool = createPostgresPool(config.postgres, { applicationName: 'kafka-migrator-backfill', max: 4 });
    const kafka = createKafka(config.kafka, { clientId: `kafka-migrator-${app.shardIndex}`, logger });
    const parts = await buildMigrator(pool, kafka, logger, app);
    const summaries: BackfillSummary[] = [];
    // A bar per entity on a terminal; in a Job (no TTY) the 'backfill progress' lines as before.
    const progress = createProgressReporter({ logger, intervalMs: 0 });
    try {
      for (const entity of app.ENTITIES) {
        const task = progress.task(entity, 'backfill progress');
        const backfillShard = () =>
          runBackfill(
            { pool, publisher: parts.publisher, checkpoints: parts.checkpoints, logger, retainedWalBytes: () => parts.capture.retainedWalBytes() },
            {
              entity,
              run: parts.run,
              shard: { index: app.shardIndex, count: app.SHARD_COUNT },
              batchSize: app.BATCH_SIZE,
              chunkMaxBytes: app.BACKFILL_CHUNK_MAX_BYTES,
              captureMode: parts.capture.mode,
              owner: app.HOSTNAME,
              leaseTtlMs: app.LEASE_TTL_MS,
              maxRowsPerSecond: app.MAX_ROWS_PER_SECOND,
              slowAckMs: app.SLOW_ACK_MS,
              maxRetainedWalBytes: app.MAX_RETAINED_WAL_MB * 1024 * 1024,
              latencyFactor: app.BACKFILL_LATENCY_FACTOR,
              maxLatencyPauseMs: app.BACKFILL_MAX_PAUSE_MS,
              latencyProbeSql: app.BACKFILL_LATENCY_PROBE_SQL,
              // The cheap default probe runs after every chunk, as before; an application query at most once per interval.
              latencyProbeIntervalMs: app.BACKFILL_LATENCY_PROBE_SQL ? app.BACKFILL_LATENCY_PROBE_INTERVAL_MS : 0,
              onProgress: (p) =>
                task.update({
                  done: p.processed,
                  total: p.total,
                  // The runner's own rate and ETA (rows published per second of this run).
                  fields: {
                    entity: p.entity,
                    processed: p.processed,
                    total_estimate: p.total,
                    failed: p.failed,
                    rows_per_second: Math.round(p.rowsPerSecond),
                    eta_seconds: p.etaSeconds === null ? null : Math.round(p.etaSeconds),
                  },
                }),
            },
          );
        // A failover or a dropped connection resumes the shard from its checkpoint in this pod.
        const retry = { ...DEFAULT_TRANSIENT_RETRY, retries: app.BACKFILL_TRANSIENT_RETRIES };
        summaries.push(await retryTransient(backfillShard, retry, logger, { entity, shard: `${app.shardIndex}/${app.SHARD_COUNT}` }));
      }
      progress.stop();
      const completed = summaries.every((s) => s.status === 'completed');
      logger.info('backfill job finished', { completed, summaries });
      if (output.json) process.stdout.write(`${JSON.stringify({ command: 'backfill', result: { completed, summaries } })}\n`);
      return completed ? 0 : 1;
    } catch (error) {
      progress.stop();
      logger.error('backfill job failed', { error, summaries });
      return 1;
    } finally {
      await parts.close();
      await pool.end();
    }
  });
}
