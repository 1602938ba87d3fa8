import { isValidCorrelationId, newCorrelationId, runWithCorrelation } from './correlation.context';
import { contextForMessage, httpCorrelationHeaders, kafkaCorrelationHeaders } from './correlation.propagation';

describe('correlation propagation', () => {
  it('puts the current correlation id and the given cause on outgoing Kafka headers', () => {
    const id = newCorrelationId();
    const event = newCorrelationId();
    const headers = runWithCorrelation({ correlationId: id }, () => kafkaCorrelationHeaders(event));
    expect(headers).toEqual({ 'correlation-id': id, 'causation-id': event });
  });

  it('starts a new correlation id outside any context', () => {
    expect(isValidCorrelationId(kafkaCorrelationHeaders()['correlation-id'])).toBe(true);
  });

  it('puts the current ids on outgoing HTTP headers', () => {
    const id = newCorrelationId();
    const cause = newCorrelationId();
    expect(runWithCorrelation({ correlationId: id, causationId: cause }, httpCorrelationHeaders)).toEqual({
      'x-correlation-id': id,
      'x-causation-id': cause,
    });
  });

  it("makes a consumed message's event id the cause of the work it triggers", () => {
    const correlationId = newCorrelationId();
    const eventId = newCorrelationId();
    expect(contextForMessage({ correlationId, causationId: undefined }, eventId)).toEqual({ correlationId, causationId: eventId });
  });
});
