import { z } from 'zod';
import { EVENT_STORE_TOPIC } from '@mch/contracts';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The event-store service's own settings (environment variables), validated at boot. */
export const eventStoreApiConfigSchema = z.object({
  SNAPSHOT_EVERY: z.coerce.number().int().min(0).default(50),
  EVENT_STORE_TOPIC: z.string().trim().min(1).max(249).default(EVENT_STORE_TOPIC.name),
  EVENT_STORE_TOPIC_PARTITIONS: z.coerce.number().int().min(1).default(EVENT_STORE_TOPIC.partitions),
  OUTBOX_RELAY_ENABLED: flag.default(true),
  OUTBOX_RELAY_POLL_MS: z.coerce.number().int().min(10).default(200),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  OUTBOX_RETENTION_HOURS: z.coerce.number().min(0).default(168),
});

export type EventStoreApiConfig = z.infer<typeof eventStoreApiConfigSchema>;
