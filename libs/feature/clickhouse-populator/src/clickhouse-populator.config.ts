import { z } from 'zod';
import type { MigratedEntity } from '@mch/contracts';
import { ANALYTICS_TABLES } from '@mch/data-clickhouse-analytics';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const ANALYTICS_ENTITIES = ANALYTICS_TABLES.map((t) => t.entity);

const entityList = z
  .string()
  .trim()
  .min(1)
  .transform((value, ctx) => {
    const entities = value.split(',').map((e) => e.trim()).filter(Boolean);
    for (const entity of entities) {
      if (!(ANALYTICS_ENTITIES as string[]).includes(entity)) {
        ctx.addIssue({ code: 'custom', message: `'${entity}' has no analytics table (known: ${ANALYTICS_ENTITIES.join(', ')})` });
        return z.NEVER;
      }
    }
    return entities as MigratedEntity[];
  });

// 8 MiB, 1 MiB per partition: as fast as the consumer loop's 32 / 4 MiB in `bench clickhouse`
// (37-39k against 34-38k rows/s, 300,000 events, alternating runs), with less held in fetch buffers.
const FETCH_MAX_BYTES = 8 * 1_048_576;
const FETCH_MAX_BYTES_PER_PARTITION = 1_048_576;

/** The clickhouse-populator's own settings (environment variables), validated at boot. */
export const clickhousePopulatorConfigSchema = z.object({
  CLICKHOUSE_POPULATOR_ENTITIES: entityList.default(() => [...ANALYTICS_ENTITIES]),
  /** One consumer group for the ClickHouse target, whatever the number of replicas. */
  CLICKHOUSE_POPULATOR_GROUP_ID: z.string().trim().min(1).max(200).default('clickhouse-populator'),
  /** Prepended to every entity topic name (isolated environments and tests); empty in production. */
  CLICKHOUSE_POPULATOR_TOPIC_PREFIX: z.string().trim().max(100).regex(/^[a-zA-Z0-9._-]*$/).default(''),
  /**
   * Rows per INSERT (or the wait, whichever comes first). 30,000: as fast as 50,000 in `bench
   * clickhouse`, and at most two batches are held (one written while the next fills), so the
   * smaller batch lowers the peak RSS of a catch-up (docs/benchmarks.md).
   */
  CLICKHOUSE_POPULATOR_BATCH_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(30_000),
  CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
  /**
   * Bytes one Kafka fetch may bring (all partitions, and per partition): what the populator holds
   * in fetch buffers besides its batches. A record larger than the per-partition bound is still
   * fetched, alone. Sizes in docs/benchmarks.md.
   */
  CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES: z.coerce.number().int().min(1_048_576).max(268_435_456).default(FETCH_MAX_BYTES),
  CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES_PER_PARTITION: z.coerce.number().int().min(65_536).max(67_108_864).default(FETCH_MAX_BYTES_PER_PARTITION),
  CLICKHOUSE_POPULATOR_MAX_WRITE_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  CLICKHOUSE_POPULATOR_FROM_BEGINNING: flag.default(true),
  /** Log every loaded record in service_processing_log, for entity_processing_status (docs/tracking.md); ~600 B of WAL each. */
  CLICKHOUSE_POPULATOR_LOG_SUCCEEDED: flag.default(false),
});

export type ClickHousePopulatorConfig = z.infer<typeof clickhousePopulatorConfigSchema>;
