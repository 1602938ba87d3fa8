import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface CorrelationContext {
  /** Shared by everything one business operation causes, across services. */
  correlationId: string;
  /** The id of the message or event that directly caused the current work. */
  causationId?: string;
}

/** Header names on each transport; one place so producers and consumers never disagree. */
export const CorrelationHeaders = {
  http: 'x-correlation-id',
  httpCausation: 'x-causation-id',
  kafka: 'correlation-id',
  kafkaCausation: 'causation-id',
} as const;

const storage = new AsyncLocalStorage<CorrelationContext>();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function newCorrelationId(): string {
  return randomUUID();
}

/** Correlation ids end up in uuid columns, so anything that is not a UUID is replaced. */
export function isValidCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function runWithCorrelation<T>(context: CorrelationContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}

type HeaderValue = string | Buffer | (string | Buffer)[] | undefined;

function headerText(value: HeaderValue): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Builds the context for incoming work from transport headers, creating an id when absent. */
export function correlationFromHeaders(
  headers: Record<string, HeaderValue>,
  names: { correlation: string; causation: string },
): CorrelationContext {
  const incoming = headerText(headers[names.correlation]);
  const causation = headerText(headers[names.causation]);
  return {
    correlationId: isValidCorrelationId(incoming) ? incoming : newCorrelationId(),
    causationId: isValidCorrelationId(causation) ? causation : undefined,
  };
}
