import { Kafka, logLevel, type LogEntry, type KafkaConfig as KafkaJsConfig } from 'kafkajs';
import type { KafkaConfig } from '@mch/util-config';
import { routeProcessWarnings, type Logger } from '@mch/util-logger';
import { kafkaSecurityOptions } from './kafka.security';
import { rememberKafkaSettings } from './record-producer';

const LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warnings that describe a deliberate choice, logged at debug with the reason. Retries of the
 * idempotent producer are bounded (client retry settings) so a send during an outage fails and the
 * caller's own handling (readiness, resend of the same records, dead letter) takes over instead of
 * blocking forever; a resend after an exhausted retry can duplicate a record in Kafka, which every
 * consumer absorbs (writes are idempotent by event id and source position).
 */
const DELIBERATE: Record<string, string> = {
  'Limiting retries for the idempotent producer may invalidate EoS guarantees':
    'retries are bounded on purpose; duplicates from a resend are absorbed by idempotent consumers',
};

/**
 * kafkajs logs every broker error response at error level, also the retriable ones it then retries
 * (a coordinator still loading after a broker start, a leader election, a topic being created).
 * Those are logged at debug: if the retries run out, the call fails and its caller reports that.
 * The list is kafkajs's own table of protocol errors (2.2.4, its last release) marked retriable.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string; retriable: boolean }[] };
const RETRIABLE_RESPONSES = new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));
/**
 * A rebalance is how a consumer group takes in a replica that starts or lets go of one that stops
 * (every rollout, every scale-up): kafkajs answers it by rejoining, not as a failure. It logs the
 * broker's answer at error and its rejoin at warn; both are info here, still visible to an operator.
 */
const REBALANCE_ANSWER = errorCodes.find((e) => e.type === 'REBALANCE_IN_PROGRESS')?.message;
const REBALANCE_REJOIN = 'The group is rebalancing, re-joining';

/** Routes kafkajs's own logs into our JSON lines so they carry correlation ids too. */
function logCreator(logger: Logger): KafkaJsConfig['logCreator'] {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      const why = DELIBERATE[message];
      if (why) logger.debug(`kafkajs: ${message}`, { ...fields, why });
      else if (message.startsWith('Response CreateTopics') && fields.error === 'Topic creation errors')
        // Two services create the same dead-letter topic: the second gets TOPIC_ALREADY_EXISTS, which
        // kafkajs's createTopics takes as success; any other creation error makes createTopics throw.
        logger.debug(`kafkajs: ${message}`, { ...fields, why: 'topic created by another client at the same time; a real failure throws to the caller' });
      else if (
        (message.startsWith('Response ') && RETRIABLE_RESPONSES.has(String(fields.error))) ||
        // The producer's retrier logs a retriable send failure (a leader moved, metadata stale) before it refreshes and retries.
        (message.startsWith('Failed to send messages: ') && RETRIABLE_RESPONSES.has(message.slice('Failed to send messages: '.length)))
      )
        logger.debug(`kafkajs: ${message}`, { ...fields, why: 'retriable broker answer; kafkajs retries it, and a final failure reaches the caller' });
      else if ((message.startsWith('Response ') && fields.error === REBALANCE_ANSWER) || message === REBALANCE_REJOIN)
        logger.info(`kafkajs: ${message}`, { ...fields, why: 'a replica joined or left the consumer group; kafkajs rejoins and the partitions are reassigned' });
      else if (message.startsWith('Crash: KafkaJSProtocolError: ') && RETRIABLE_RESPONSES.has(message.slice('Crash: KafkaJSProtocolError: '.length)))
        // A consumer's group session failed on a retriable answer (on a fresh broker: its group
        // coordinator still loading); kafkajs restarts the consumer, which then joins.
        logger.info(`kafkajs: ${message}`, { groupId: fields.groupId, retryCount: fields.retryCount, why: 'retriable broker answer; kafkajs restarts the consumer' });
      else if (message.startsWith('Restarting the consumer in '))
        // Only ever after a crash line, which keeps its own level (an error when retries ran out).
        logger.info(`kafkajs: ${message}`, { ...fields, why: 'kafkajs restarts a consumer after a retriable crash; the crash line says why' });
      else logger[LEVEL[level] ?? 'info'](`kafkajs: ${message}`, fields);
    };
}

/**
 * The kafkajs client settings every Kafka client of ours uses: security, timeouts, retries and our
 * JSON log routing. Also what the NestJS Kafka transport gets (bootstrap-service.ts), whose own
 * defaults (1 s connection timeout, NestJS's text logger) failed TLS+SCRAM handshakes under load
 * with error lines before its retry connected.
 */
export function kafkaClientConfig(
  config: KafkaConfig,
  options: { clientId: string; logger: Logger; connectionTimeoutMs?: number },
): KafkaJsConfig {
  // kafkajs on Node 24 triggers a benign TimeoutNegativeWarning; Node would print it as plain text.
  routeProcessWarnings(options.logger.child({ component: 'node' }));
  return {
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID ?? options.clientId,
    ...kafkaSecurityOptions(config),
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 30_000 },
    logLevel: logLevel.WARN,
    logCreator: logCreator(options.logger.child({ component: 'kafkajs' })),
  };
}

export function createKafka(
  config: KafkaConfig,
  options: { clientId: string; logger: Logger; connectionTimeoutMs?: number },
): Kafka {
  const kafka = new Kafka(kafkaClientConfig(config, options));
  rememberKafkaSettings(kafka, { config, clientId: options.clientId, logger: options.logger });
  return kafka;
}
