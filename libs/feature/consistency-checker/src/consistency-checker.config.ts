import { z } from 'zod';
import { ENTITY_TOPICS, MIGRATION_RUN_PATTERN, type MigratedEntity } from '@mch/contracts';
import { TARGET_STORES, type TargetStore } from '@mch/data-consistency';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

function list<T extends string>(known: readonly T[], what: string) {
  return z
    .string()
    .trim()
    .min(1)
    .transform((value, ctx) => {
      const items = value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      for (const item of items) {
        if (!(known as readonly string[]).includes(item)) {
          ctx.addIssue({ code: 'custom', message: `'${item}' is not ${what} (known: ${known.join(', ')})` });
          return z.NEVER;
        }
      }
      return [...new Set(items)] as T[];
    });
}

const ENTITIES = Object.keys(ENTITY_TOPICS) as MigratedEntity[];

/** `none`, `all`, or the last N hours: which part of the event store the ordering check reads. */
const eventStoreScope = z
  .string()
  .trim()
  .regex(/^(none|all|\d{1,6})$/, "is 'none', 'all' or a number of hours")
  .transform((v) => (v === 'none' || v === 'all' ? v : Number(v)));

/** The consistency checker's own settings (environment variables), validated at boot and by the CLI. */
export const consistencyCheckerConfigSchema = z.object({
  CONSISTENCY_MODE: z.enum(['counts', 'content']).default('content'),
  /** Every migrated entity by default: each is checked against every target store that holds it. */
  CONSISTENCY_ENTITIES: list(ENTITIES, 'a migrated entity').default(() => [...ENTITIES]),
  CONSISTENCY_TARGETS: list(TARGET_STORES, 'a target store').default(
    () => [...TARGET_STORES] as TargetStore[],
  ),
  /** Kafka counts only this migration's events; the watermark is read from its state when none is given. */
  CONSISTENCY_MIGRATION_ID: z.uuid().optional(),
  /** The run's name (k8s overlays set it once); its id is used when CONSISTENCY_MIGRATION_ID is unset. */
  MIGRATION_RUN: z.string().trim().regex(MIGRATION_RUN_PATTERN, 'lower-case letters, digits and dashes').optional(),
  /** Rows changed after this instant are in flight (ISO-8601). */
  CONSISTENCY_WATERMARK: z.iso.datetime({ offset: true }).optional(),
  /** Rows changed within this many seconds before a check are in flight, watermark or not. */
  CONSISTENCY_IN_FLIGHT_LAG_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** The plan's absolute limit: a pair fails with more discrepancies than this. */
  CONSISTENCY_MAX_DISCREPANCIES: z.coerce.number().int().min(0).default(100),
  /** The plan's success metric: a pair with discrepancies fails when their rate reaches this (0.0001 = 0.01%). */
  CONSISTENCY_MAX_DISCREPANCY_RATE: z.coerce.number().min(0).max(1).default(0.0001),
  /** Service mode: seconds between scheduled checks; 0 runs checks only when asked (POST /consistency/runs). */
  CONSISTENCY_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(900),
  /** Prepended to every entity topic name (isolated environments and tests); empty in production. */
  CONSISTENCY_TOPIC_PREFIX: z
    .string()
    .trim()
    .max(100)
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  /** Prefix of the Weaviate collections (the indexer's WEAVIATE collection prefix); empty in production. */
  CONSISTENCY_WEAVIATE_PREFIX: z
    .string()
    .trim()
    .max(40)
    .regex(/^([A-Z][A-Za-z0-9]*)?$/)
    .default(''),
  CONSISTENCY_EVENT_STORE: eventStoreScope.default('all'),
  /** Gaps in global_position are left by rolled-back appends; fail on them only when set. */
  CONSISTENCY_FAIL_ON_POSITION_GAPS: flag.default(false),
  CONSISTENCY_MAX_LISTED: z.coerce.number().int().min(1).max(100_000).default(1_000),
  CONSISTENCY_SAMPLE_SIZE: z.coerce.number().int().min(0).max(1_000).default(20),
  CONSISTENCY_RECORD_RUNS: flag.default(true),
  CONSISTENCY_KAFKA_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(1_800),
  CONSISTENCY_WEAVIATE_PAGE_SIZE: z.coerce.number().int().min(10).max(10_000).default(2_000),
  CONSISTENCY_WEAVIATE_READ_SLICES: z.coerce.number().int().min(1).max(64).default(4),
  /** Consumer groups whose lag the dashboard shows (the populator's and the indexer's group ids). */
  CONSISTENCY_DASHBOARD_GROUPS: z
    .string()
    .trim()
    .default('clickhouse-populator,weaviate-indexer')
    .transform((v) => [...new Set(v.split(',').map((g) => g.trim()).filter(Boolean))])
    .refine((groups) => groups.every((g) => g.length <= 200 && /^[A-Za-z0-9._-]+$/.test(g)), 'is a comma-separated list of consumer group ids (letters, digits, . _ -; at most 200 characters each)'),
});

export type ConsistencyCheckerConfig = z.infer<typeof consistencyCheckerConfigSchema>;
