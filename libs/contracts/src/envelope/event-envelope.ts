import { z } from 'zod';

/**
 * The one envelope every event on every topic uses, migrated rows and event-store events alike.
 * It keeps the monolith team's field names (`eventId`, `eventType`, `aggregateId`, `data`,
 * `metadata.migrationRun`) so their consumers keep working; `data` (not `eventData`) is canonical.
 */
export const eventMetadataSchema = z.object({
  correlationId: z.uuid(),
  causationId: z.uuid().nullable(),
  source: z.enum(['postgresql', 'event-store']),
  schemaVersion: z.string().min(1),
  migrationId: z.uuid().nullable().optional(),
  migrationRun: z.string().nullable().optional(),
  /** Orders every version of a row: the WAL position (LSN) or the event store position. */
  sourcePosition: z.string().nullable().optional(),
  operation: z.enum(['snapshot', 'insert', 'update', 'delete', 'append']).optional(),
  userId: z.uuid().nullable().optional(),
});

export const eventEnvelopeSchema = z.object({
  eventId: z.uuid(),
  eventType: z.string().min(1).max(100),
  aggregateId: z.uuid(),
  aggregateType: z.string().min(1).max(100),
  eventVersion: z.number().int().positive().nullable().optional(),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()).nullable(),
  metadata: eventMetadataSchema,
});

export type EventMetadata = z.infer<typeof eventMetadataSchema>;
export type EventEnvelope<T extends Record<string, unknown> | null = Record<string, unknown> | null> = Omit<
  z.infer<typeof eventEnvelopeSchema>,
  'data'
> & { data: T };

/** Header names on every message; consumers read correlation without parsing the value. */
export const EventHeaders = {
  eventType: 'event-type',
  eventId: 'event-id',
  eventVersion: 'event-version',
  aggregateType: 'aggregate-type',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  migrationId: 'migration-id',
  outboxId: 'outbox-id',
  userId: 'user-id',
} as const;
