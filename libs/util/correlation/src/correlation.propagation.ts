import { CorrelationHeaders, currentCorrelation, newCorrelationId, type CorrelationContext } from './correlation.context';

/**
 * Headers for an outgoing Kafka message produced while handling the current work: the same
 * correlation id, and as causation the id of what is being sent (or, failing that, the cause of
 * the current work). Outside any context a new correlation id starts.
 */
export function kafkaCorrelationHeaders(causationId?: string): Record<string, string> {
  const context = currentCorrelation();
  const cause = causationId ?? context?.causationId;
  return {
    [CorrelationHeaders.kafka]: context?.correlationId ?? newCorrelationId(),
    ...(cause ? { [CorrelationHeaders.kafkaCausation]: cause } : {}),
  };
}

/** Headers for an outgoing HTTP call made while handling the current work. */
export function httpCorrelationHeaders(): Record<string, string> {
  const context = currentCorrelation();
  return {
    [CorrelationHeaders.http]: context?.correlationId ?? newCorrelationId(),
    ...(context?.causationId ? { [CorrelationHeaders.httpCausation]: context.causationId } : {}),
  };
}

/**
 * The context for handling one consumed message: its correlation id, and the message's own event
 * id as the cause of whatever the handler does.
 */
export function contextForMessage(correlation: CorrelationContext, messageEventId: string | undefined): CorrelationContext {
  return { correlationId: correlation.correlationId, causationId: messageEventId ?? correlation.causationId };
}
