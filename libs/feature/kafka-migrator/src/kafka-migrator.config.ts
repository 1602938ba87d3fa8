import { z } from 'zod';
import { MIGRATION_RUN_PATTERN, MigratedEntity, resolveMigrationId } from '@mch/contracts';
import { DEFAULT_TRANSIENT_RETRY, ENTITY_MAX_MESSAGE_BYTES } from '@mch/data-kafka-migration';

const ALL = Object.values(MigratedEntity);

/** The migrator's own settings (environment variables), validated at boot. */
export const kafkaMigratorConfigSchema = z
  .object({
    MIGRATOR_MODE: z.enum(['backfill', 'stream']).default('stream'),
    /** Stable name of the migration; checkpoints are keyed by it, so a rerun resumes. */
    MIGRATION_RUN: z.string().trim().regex(MIGRATION_RUN_PATTERN, 'lower-case letters, digits and dashes'),
    MIGRATION_ID: z.uuid().optional(),
    ENTITIES: z
      .string()
      .default('all')
      .transform((value, ctx) => {
        if (value.trim() === 'all') return ALL;
        const list = value.split(',').map((e) => e.trim());
        const unknown = list.filter((e) => !(ALL as string[]).includes(e));
        if (unknown.length > 0) {
          ctx.addIssue({ code: 'custom', message: `unknown entities ${unknown.join(', ')} (known: ${ALL.join(', ')})` });
          return z.NEVER;
        }
        return list as MigratedEntity[];
      }),
    SHARD_COUNT: z.coerce.number().int().min(1).default(1),
    /** Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX; SHARD_INDEX overrides it. */
    SHARD_INDEX: z.coerce.number().int().min(0).optional(),
    JOB_COMPLETION_INDEX: z.coerce.number().int().min(0).optional(),
    BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5_000),
    /**
     * Most row text per backfill chunk (16 MiB: 5,000 opportunities fit; 3 MiB documents go five
     * at a time), so the process's memory is bounded by bytes and the Job's heap cap holds
     * whatever the rows weigh. 0: rows only (BATCH_SIZE).
     */
    BACKFILL_CHUNK_MAX_BYTES: z.coerce.number().int().min(0).default(16 * 1024 * 1024),
    CAPTURE_MODE: z.enum(['auto', 'logical', 'trigger']).default('auto'),
    MAX_ROWS_PER_SECOND: z.coerce.number().min(0).default(0),
    SLOW_ACK_MS: z.coerce.number().int().min(1).default(5_000),
    MAX_RETAINED_WAL_MB: z.coerce.number().min(0).default(4_096),
    /** Backfill pauses while a read of the monolith's newest rows is this many times slower than before it started; 0: off. */
    BACKFILL_LATENCY_FACTOR: z.coerce.number().min(0).max(100).default(1.5),
    /** Longest pause between two chunks while the monolith's latency is up. */
    BACKFILL_MAX_PAUSE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
    /**
     * The application's own read as the guard's probe (its busiest list query, literal values, one
     * statement), run in a READ ONLY transaction; unset: a read of the entity table's newest rows,
     * which is cheap but blind to contention for the database's CPU (docs/kafka-migrator.md).
     */
    BACKFILL_LATENCY_PROBE_SQL: z
      .string()
      .trim()
      .max(4_000)
      .regex(/^(select|with)\s[^;]*$/is, 'must be one SELECT (or WITH ... SELECT) statement, without a semicolon')
      .optional(),
    /** Least time between two probes: an application query costs the database that much per probe. */
    BACKFILL_LATENCY_PROBE_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
    /**
     * In-process retries of a shard after a transient database failure (failover, terminated
     * connection, pool connect timeout), 1 s doubling to 30 s; it resumes from its checkpoint. 0:
     * none, the pod fails and the Job's backoffLimit retries it.
     */
    BACKFILL_TRANSIENT_RETRIES: z.coerce.number().int().min(0).max(100).default(DEFAULT_TRANSIENT_RETRY.retries),
    LEASE_TTL_MS: z.coerce.number().int().min(1_000).default(60_000),
    KAFKA_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1_024).default(ENTITY_MAX_MESSAGE_BYTES),
    HOSTNAME: z.string().default('kafka-migrator'),
    /** Prepended to every topic name (isolated environments, the demo); empty in production. */
    TOPIC_PREFIX: z.string().trim().max(100).regex(/^[a-zA-Z0-9._-]*$/).default(''),
  })
  .transform((c) => {
    const shardIndex = c.SHARD_INDEX ?? c.JOB_COMPLETION_INDEX ?? 0;
    return {
      ...c,
      shardIndex,
      // Deterministic from the run name (shared with the other apps), so every pod of a run and
      // every retry agree on it; an explicit MIGRATION_ID overrides it.
      migrationId: resolveMigrationId(c) as string,
    };
  })
  .refine((c) => c.shardIndex < c.SHARD_COUNT, { message: 'SHARD_INDEX must be below SHARD_COUNT', path: ['SHARD_INDEX'] });

export type KafkaMigratorConfig = z.infer<typeof kafkaMigratorConfigSchema>;
