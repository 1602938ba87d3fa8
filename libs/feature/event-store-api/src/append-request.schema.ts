import { z } from 'zod';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { AppendRequest } from '@mch/data-event-store';
import { storedJsonProblem, textProblem } from './stored-json';

/** event_version is an integer column. */
export const MAX_EXPECTED_VERSION = 2_147_483_647;
export const MAX_EVENTS_PER_APPEND = 1_000;
/** aggregate_type and event_type are varchar(100). */
export const MAX_TYPE_LENGTH = 100;

/** Text for a varchar column: trimmed, 1..100 characters, no \u0000 nor lone surrogate. */
const typeName = z
  .string()
  .trim()
  .min(1)
  .max(MAX_TYPE_LENGTH)
  .superRefine((text, ctx) => {
    const problem = textProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem.message} (allowed: ${problem.limit})` });
  });

/** Unknown fields are refused (a typo such as `expectedVerison` must not be ignored). */
const appendBodySchema = z.strictObject({
  /** Kafka commands carry the stream id in the body; it must then match. */
  aggregateId: z.string().optional(),
  aggregateType: typeName,
  expectedVersion: z.union([
    z.number().int().min(0).max(MAX_EXPECTED_VERSION),
    z.literal('any'),
    z.literal('no_stream'),
  ]),
  userId: z.uuid().nullable().optional(),
  events: z
    .array(
      z.strictObject({
        eventId: z.uuid().optional(),
        eventType: typeName,
        data: z.record(z.string(), z.unknown()),
        metadata: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .min(1)
    .max(MAX_EVENTS_PER_APPEND),
});

const uuidSchema = z.uuid();

export function requireStreamId(aggregateId: string): string {
  if (!uuidSchema.safeParse(aggregateId).success) {
    throw new DomainException(
      ErrorCode.ValidationFailed,
      `aggregate id '${aggregateId.slice(0, 100)}' is not a UUID`,
      {
        entity: 'stream',
        id: aggregateId.slice(0, 100),
        field: 'aggregateId',
        limit: 'UUID',
      },
    );
  }
  return aggregateId;
}

function invalid(aggregateId: string, field: string, message: string, limit?: unknown): DomainException {
  return new DomainException(
    ErrorCode.ValidationFailed,
    `invalid append to stream ${aggregateId}: ${field} ${message}`,
    {
      entity: 'stream',
      id: aggregateId,
      field,
      ...(limit === undefined ? {} : { limit }),
    },
  );
}

/** The limit a zod issue broke, when it has one (max length, max count, …). */
function issueLimit(issue: z.core.$ZodIssue): unknown {
  if (issue.code === 'too_big') return issue.maximum;
  if (issue.code === 'too_small') return issue.minimum;
  if (issue.code === 'unrecognized_keys') return 'no unknown fields';
  return undefined;
}

/** Turns an HTTP body or Kafka command into an append, or a VALIDATION_FAILED naming the stream, field and limit. */
export function parseAppendRequest(aggregateId: string, body: unknown): AppendRequest {
  requireStreamId(aggregateId);
  const parsed = appendBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => k.slice(0, 100)) : [];
    const field = [...issue.path, ...keys.slice(0, 1)].join('.') || 'body';
    throw invalid(aggregateId, field, issue.message, issueLimit(issue));
  }
  const { aggregateId: bodyId, ...request } = parsed.data;
  if (bodyId !== undefined && bodyId !== aggregateId)
    throw invalid(aggregateId, 'aggregateId', 'does not match the stream id');
  for (const [index, event] of request.events.entries()) {
    const problem =
      storedJsonProblem(event.data, `events.${index}.data`) ??
      (event.metadata === undefined
        ? undefined
        : storedJsonProblem(event.metadata, `events.${index}.metadata`));
    if (problem) throw invalid(aggregateId, problem.field, problem.message, problem.limit);
  }
  return { aggregateId, ...request };
}
