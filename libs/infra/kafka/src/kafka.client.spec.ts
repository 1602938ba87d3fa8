import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createKafka } from './kafka.client';
import { createIdempotentProducer } from './kafka.producer';

describe('createKafka logging', () => {
  it("logs kafkajs's warning about bounded idempotent retries at debug with the reason, not as a warning", () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 't', level: 'debug', sink: (l) => lines.push(JSON.parse(l)) });
    // Creating the producer is enough: kafkajs warns at construction, before any connection.
    const kafka = createKafka(loadConfig(kafkaEnvSchema, { KAFKA_BROKERS: '127.0.0.1:1' }), { clientId: 't', logger });
    createIdempotentProducer(kafka);
    const retries = lines.filter((l) => String(l.msg).includes('Limiting retries for the idempotent producer'));
    expect(retries).toEqual([expect.objectContaining({ level: 'debug', why: expect.stringContaining('bounded on purpose') })]);
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });
});
