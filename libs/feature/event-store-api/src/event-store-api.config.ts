import { z } from 'zod';
import { ENTITY_TOPICS, EVENT_STORE_TOPIC, type MigratedEntity } from '@mch/contracts';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const ENTITY_NAMES = Object.keys(ENTITY_TOPICS) as MigratedEntity[];

/**
 * `none`, `all`, or a comma list of migrated entities (opportunity, proposal, ...): their aggregate
 * types are also relayed as entity states to the entity topics (docs/event-store.md). Off by
 * default: listing an entity makes the event store a writer of its topic (that entity's cut-over).
 */
const entityList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === '' || value === 'none') return [] as MigratedEntity[];
    if (value === 'all') return ENTITY_NAMES;
    const names = value.split(',').map((v) => v.trim());
    const unknown = names.filter((n) => !ENTITY_NAMES.includes(n as MigratedEntity));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown entities ${unknown.join(', ')}; use none, all or some of ${ENTITY_NAMES.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(names)] as MigratedEntity[];
  });

/** The event-store service's own settings (environment variables), validated at boot. */
export const eventStoreApiConfigSchema = z.object({
  SNAPSHOT_EVERY: z.coerce.number().int().min(0).default(50),
  EVENT_STORE_TOPIC: z.string().trim().min(1).max(249).default(EVENT_STORE_TOPIC.name),
  EVENT_STORE_TOPIC_PARTITIONS: z.coerce.number().int().min(1).default(EVENT_STORE_TOPIC.partitions),
  EVENT_STORE_ENTITY_EVENTS: entityList.default([]),
  /** Prepended to the entity topic names; for isolated environments (tests, demo), empty in production. */
  EVENT_STORE_ENTITY_TOPIC_PREFIX: z.string().trim().max(100).regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore').default(''),
  OUTBOX_RELAY_ENABLED: flag.default(true),
  OUTBOX_RELAY_POLL_MS: z.coerce.number().int().min(10).default(200),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  OUTBOX_RETENTION_HOURS: z.coerce.number().min(0).default(168),
});

export type EventStoreApiConfig = z.infer<typeof eventStoreApiConfigSchema>;
