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

describe('createKafka logging of broker answers', () => {
  const logged = (error: string) => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 't', level: 'debug', sink: (l) => lines.push(JSON.parse(l)) });
    const kafka = createKafka(loadConfig(kafkaEnvSchema, { KAFKA_BROKERS: '127.0.0.1:1' }), { clientId: 't', logger });
    // kafkajs's own logger, as its connection uses it for a failed response.
    kafka.logger().error('Response GroupCoordinator(key: 10, version: 2)', { error, correlationId: 2 });
    return lines.filter((l) => String(l.msg).startsWith('kafkajs: Response'));
  };

  it('logs a retriable error answer (coordinator still loading after a broker start) at debug, with why', () => {
    expect(logged('The group coordinator is not available')).toEqual([
      expect.objectContaining({ level: 'debug', why: expect.stringContaining('retriable') }),
    ]);
  });

  it('logs the answer that the group is rebalancing (a replica joined) and the rejoin at info, with why', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 't', level: 'debug', sink: (l) => lines.push(JSON.parse(l)) });
    const kafka = createKafka(loadConfig(kafkaEnvSchema, { KAFKA_BROKERS: '127.0.0.1:1' }), { clientId: 't', logger });
    // As kafkajs logs them when a second replica joins: the SyncGroup answer, then its runner's rejoin.
    kafka.logger().error('Response SyncGroup(key: 14, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed', correlationId: 6 });
    kafka.logger().warn('The group is rebalancing, re-joining', { groupId: 'g', memberId: 'm', error: 'The group is rebalancing, so a rejoin is needed' });
    expect(lines.filter((l) => String(l.msg).startsWith('kafkajs:'))).toEqual([
      expect.objectContaining({ level: 'info', why: expect.stringContaining('joined or left') }),
      expect.objectContaining({ level: 'info', why: expect.stringContaining('joined or left') }),
    ]);
  });

  it('keeps a non-retriable error answer an error', () => {
    expect(logged('Not authorized to access group: Group authorization failed')).toEqual([expect.objectContaining({ level: 'error' })]);
  });

  it('logs the answer to creating a topic another client created at the same time at debug, with why', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 't', level: 'debug', sink: (l) => lines.push(JSON.parse(l)) });
    const kafka = createKafka(loadConfig(kafkaEnvSchema, { KAFKA_BROKERS: '127.0.0.1:1' }), { clientId: 't', logger });
    kafka.logger().error('Response CreateTopics(key: 19, version: 3)', { error: 'Topic creation errors', correlationId: 11 });
    expect(lines.filter((l) => String(l.msg).startsWith('kafkajs: Response'))).toEqual([
      expect.objectContaining({ level: 'debug', why: expect.stringContaining('another client') }),
    ]);
  });
});

describe("createKafka logging of the producer's send retries", () => {
  const logged = (message: string) => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 't', level: 'debug', sink: (l) => lines.push(JSON.parse(l)) });
    const kafka = createKafka(loadConfig(kafkaEnvSchema, { KAFKA_BROKERS: '127.0.0.1:1' }), { clientId: 't', logger });
    // As kafkajs's producer logs a failed send before it refreshes metadata and retries.
    kafka.logger().error(`Failed to send messages: ${message}`, { retryCount: 0, retryTime: 253 });
    return lines.filter((l) => String(l.msg).startsWith('kafkajs: Failed to send messages'));
  };

  it('logs a retriable send failure (the leader moved after a topic was created) at debug, with why', () => {
    expect(logged('This server is not the leader for that topic-partition')).toEqual([
      expect.objectContaining({ level: 'debug', why: expect.stringContaining('retriable') }),
    ]);
  });

  it('keeps a non-retriable send failure an error', () => {
    expect(logged('The request included a message larger than the max message size the server will accept')).toEqual([
      expect.objectContaining({ level: 'error' }),
    ]);
  });
});

describe("createKafka logging of a consumer's restart", () => {
  const logged = (crash: string) => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 't', level: 'debug', sink: (l) => lines.push(JSON.parse(l)) });
    const kafka = createKafka(loadConfig(kafkaEnvSchema, { KAFKA_BROKERS: '127.0.0.1:1' }), { clientId: 't', logger });
    // As kafkajs's consumer logs a crash of its group session, then the restart it schedules.
    kafka.logger().error(`Crash: ${crash}`, { groupId: 'g', retryCount: 0, stack: `${crash}\n    at somewhere` });
    kafka.logger().error('Restarting the consumer in 300ms', { groupId: 'g', retryCount: 0, retryTime: 300 });
    return lines.filter((l) => /^kafkajs: (Crash|Restarting)/.test(String(l.msg))).map((l) => ({ msg: l.msg, level: l.level, why: typeof l.why }));
  };

  it('logs a crash on a retriable broker answer (the coordinator still loading on a fresh broker) and its restart at info, with why', () => {
    expect(logged("KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group")).toEqual([
      { msg: "kafkajs: Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group", level: 'info', why: 'string' },
      { msg: 'kafkajs: Restarting the consumer in 300ms', level: 'info', why: 'string' },
    ]);
  });

  it('keeps a crash whose retries ran out an error (the restart line after it is info)', () => {
    expect(logged('KafkaJSNumberOfRetriesExceeded: Connection timeout')).toEqual([
      { msg: 'kafkajs: Crash: KafkaJSNumberOfRetriesExceeded: Connection timeout', level: 'error', why: 'undefined' },
      { msg: 'kafkajs: Restarting the consumer in 300ms', level: 'info', why: 'string' },
    ]);
  });
});
