import {
  CorrelationHeaders,
  correlationFromHeaders,
  currentCorrelation,
  isValidCorrelationId,
  newCorrelationId,
  runWithCorrelation,
} from './correlation.context';

const kafkaNames = { correlation: CorrelationHeaders.kafka, causation: CorrelationHeaders.kafkaCausation };

describe('correlation context', () => {
  it('is visible inside the run, across awaits, and gone outside it', async () => {
    const id = newCorrelationId();
    await runWithCorrelation({ correlationId: id }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentCorrelation()?.correlationId).toBe(id);
    });
    expect(currentCorrelation()).toBeUndefined();
  });

  it('keeps concurrent runs apart', async () => {
    const seen: string[] = [];
    await Promise.all(
      ['a', 'b'].map((tag) =>
        runWithCorrelation({ correlationId: newCorrelationId(), causationId: undefined }, async () => {
          const mine = currentCorrelation()?.correlationId;
          await new Promise((resolve) => setTimeout(resolve, tag === 'a' ? 5 : 1));
          seen.push(String(currentCorrelation()?.correlationId === mine));
        }),
      ),
    );
    expect(seen).toEqual(['true', 'true']);
  });

  it('takes ids from Kafka headers given as buffers', () => {
    const id = newCorrelationId();
    const cause = newCorrelationId();
    expect(
      correlationFromHeaders({ 'correlation-id': Buffer.from(id), 'causation-id': cause }, kafkaNames),
    ).toEqual({ correlationId: id, causationId: cause });
  });

  it('replaces a missing or malformed id with a fresh UUID', () => {
    const fromMissing = correlationFromHeaders({}, kafkaNames);
    const fromBad = correlationFromHeaders({ 'correlation-id': "1' OR 1=1" }, kafkaNames);
    expect(isValidCorrelationId(fromMissing.correlationId)).toBe(true);
    expect(isValidCorrelationId(fromBad.correlationId)).toBe(true);
    expect(fromBad.correlationId).not.toBe("1' OR 1=1");
  });
});
