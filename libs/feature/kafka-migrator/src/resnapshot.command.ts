import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { ENTITY_TOPICS, compareSourcePositions, type MigratedEntity } from '@mch/contracts';
import { scanTopic } from '@mch/data-consistency';
import {
  LogicalChangeCapture,
  runIncrementalResnapshot,
  type ResnapshotSummary,
} from '@mch/data-kafka-migration';
import { createKafka } from '@mch/infra-kafka';
import { createPostgresPool } from '@mch/infra-postgres';
import { kafkaEnvSchema, loadConfigSections, postgresEnvSchema } from '@mch/util-config';
import { runWithCorrelation } from '@mch/util-correlation';
import { createLogger } from '@mch/util-logger';
import { kafkaMigratorConfigSchema } from './kafka-migrator.config';
import { buildMigrator } from './migrator.wiring';

export const RESNAPSHOT_COMMAND = 'resnapshot';

/** The re-snapshot's own settings, beside the migrator's. */
export const resnapshotConfigSchema = z.object({
  /** Rows per chunk; each chunk waits for streaming to pass its high watermark. */
  RESNAPSHOT_CHUNK_ROWS: z.coerce.number().int().min(1).max(100_000).default(2_000),
  /** How long the low watermark waits for transactions open before it. */
  RESNAPSHOT_WAIT_MS: z.coerce.number().int().min(100).default(300_000),
  /** How long streaming may take to reach one chunk's high watermark, or read one topic. */
  RESNAPSHOT_CATCH_UP_MS: z.coerce.number().int().min(1_000).default(600_000),
});

/**
 * What the run's consumers hold for an entity: each key whose newest event (by source position,
 * as every consumer and the checker order them) is not a delete, with that position.
 */
export async function liveKeysOnTopic(
  kafka: Kafka,
  topic: string,
  migrationId: string,
  timeoutMs: number,
): Promise<Map<string, string>> {
  const newest = new Map<string, { position: string; deleted: boolean }>();
  await scanTopic(
    kafka,
    topic,
    (message) => {
      if (message.value === null) return;
      let event: {
        aggregateId?: unknown;
        data?: unknown;
        metadata?: { migrationId?: unknown; sourcePosition?: unknown; operation?: unknown };
      };
      try {
        event = JSON.parse(message.value.toString());
      } catch {
        return; // not an event: the checker reports those; nothing of it is held downstream
      }
      const meta = event.metadata;
      if (
        !meta ||
        meta.migrationId !== migrationId ||
        typeof event.aggregateId !== 'string' ||
        typeof meta.sourcePosition !== 'string'
      )
        return;
      const id = event.aggregateId.toLowerCase();
      const seen = newest.get(id);
      if (seen && compareSourcePositions(meta.sourcePosition, seen.position) <= 0) return;
      newest.set(id, {
        position: meta.sourcePosition,
        deleted: meta.operation === 'delete' || event.data === null,
      });
    },
    { timeoutMs, groupPrefix: 'kafka-migrator-resnapshot' },
  );
  const live = new Map<string, string>();
  for (const [id, state] of newest) if (!state.deleted) live.set(id, state.position);
  return live;
}

/**
 * `kafka-migrator resnapshot`: recovers a run whose replication slot was lost (the streamer
 * stopped and recorded the gap). Re-creates the slot, streams changes while it re-snapshots the
 * run's tables (runIncrementalResnapshot), closes the gap; the streamer then resumes by itself.
 * Prints the summary as JSON; exit 0 when the gap is closed, 1 otherwise (re-run it to resume).
 */
export async function runResnapshotCommand(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfigSections(
    {
      postgres: postgresEnvSchema,
      kafka: kafkaEnvSchema,
      app: kafkaMigratorConfigSchema,
      resnapshot: resnapshotConfigSchema,
    },
    env,
  );
  const app = config.app;
  const logger = createLogger({ service: 'kafka-migrator', level: (env.LOG_LEVEL as 'info') ?? 'info' });
  return runWithCorrelation({ correlationId: app.migrationId }, async () => {
    const pool = createPostgresPool(config.postgres, {
      applicationName: 'kafka-migrator-resnapshot',
      max: 4,
    });
    const kafka = createKafka(config.kafka, { clientId: 'kafka-migrator-resnapshot', logger });
    try {
      const parts = await buildMigrator(pool, kafka, logger, app);
      try {
        const capture = parts.capture;
        if (!(capture instanceof LogicalChangeCapture)) {
          logger.error('resnapshot applies to logical capture only: trigger capture has no slot to lose', {
            capture: capture.mode,
          });
          return 2;
        }
        const summary: ResnapshotSummary = await runIncrementalResnapshot(
          {
            pool,
            capture,
            publisher: parts.publisher,
            checkpoints: parts.checkpoints,
            logger,
            downstreamKeys: (entity: MigratedEntity) =>
              liveKeysOnTopic(
                kafka,
                `${app.TOPIC_PREFIX}${ENTITY_TOPICS[entity].name}`,
                app.migrationId,
                config.resnapshot.RESNAPSHOT_CATCH_UP_MS,
              ),
          },
          {
            run: parts.run,
            owner: `${app.HOSTNAME}:resnapshot:${process.pid}`,
            chunkRows: config.resnapshot.RESNAPSHOT_CHUNK_ROWS,
            leaseTtlMs: app.LEASE_TTL_MS,
            waitMs: config.resnapshot.RESNAPSHOT_WAIT_MS,
            catchUpMs: config.resnapshot.RESNAPSHOT_CATCH_UP_MS,
          },
        );
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return 0;
      } finally {
        await parts.close();
      }
    } catch (error) {
      logger.error('resnapshot failed; the gap stays open (run it again: it resumes)', { error });
      return 1;
    } finally {
      await pool.end();
    }
  });
}
