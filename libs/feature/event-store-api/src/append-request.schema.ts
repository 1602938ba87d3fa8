import { z } from 'zod';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { AppendRequest } from '@mch/data-event-store';

const appendBodySchema = z.object({
  aggregateType: z.string().trim().min(1).max(100),
  expectedVersion: z.union([z.number().int().min(0), z.literal('any'), z.literal('no_stream')]),
  userId: z.uuid().nullable().optional(),
  events: z
    .array(
      z.object({
        eventId: z.uuid().optional(),
        eventType: z.string().trim().min(1).max(100),
        data: z.record(z.string(), z.unknown()),
        metadata: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .min(1)
    .max(1_000),
});

const uuidSchema = z.uuid();

export function requireStreamId(aggregateId: string): string {
  if (!uuidSchema.safeParse(aggregateId).success) {
    throw new DomainException(ErrorCode.ValidationFailed, `aggregate id '${aggregateId}' is not a UUID`, {
      entity: 'stream',
      id: aggregateId,
      field: 'aggregateId',
    });
  }
  return aggregateId;
}

/** Turns an HTTP body into an append, or a VALIDATION_FAILED naming the stream and the field. */
export function parseAppendRequest(aggregateId: string, body: unknown): AppendRequest {
  requireStreamId(aggregateId);
  const parsed = appendBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new DomainException(ErrorCode.ValidationFailed, `invalid append to stream ${aggregateId}: ${field} ${issue.message}`, {
      entity: 'stream',
      id: aggregateId,
      field,
    });
  }
  return { aggregateId, ...parsed.data };
}
