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

/** The clickhouse-populator's own settings (environment variables), validated at boot. */
export const clickhousePopulatorConfigSchema = z.object({
  CLICKHOUSE_POPULATOR_ENTITIES: entityList.default(() => [...ANALYTICS_ENTITIES]),
  /** One consumer group for the ClickHouse target, whatever the number of replicas. */
  CLICKHOUSE_POPULATOR_GROUP_ID: z.string().trim().min(1).max(200).default('clickhouse-populator'),
  /** Prepended to every entity topic name (isolated environments and tests); empty in production. */
  CLICKHOUSE_POPULATOR_TOPIC_PREFIX: z.string().trim().max(100).regex(/^[a-zA-Z0-9._-]*$/).default(''),
  CLICKHOUSE_POPULATOR_BATCH_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(50_000),
  CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
  CLICKHOUSE_POPULATOR_MAX_WRITE_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  CLICKHOUSE_POPULATOR_FROM_BEGINNING: flag.default(true),
  /** Log every loaded record in service_processing_log, for entity_processing_status (docs/tracking.md); ~600 B of WAL each. */
  CLICKHOUSE_POPULATOR_LOG_SUCCEEDED: flag.default(false),
});

export type ClickHousePopulatorConfig = z.infer<typeof clickhousePopulatorConfigSchema>;
