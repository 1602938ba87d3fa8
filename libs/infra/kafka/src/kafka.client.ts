import { Kafka, logLevel, type LogEntry, type KafkaConfig as KafkaJsConfig } from 'kafkajs';
import type { KafkaConfig } from '@mch/util-config';
import { routeProcessWarnings, type Logger } from '@mch/util-logger';
import { kafkaSecurityOptions } from './kafka.security';

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

/** Routes kafkajs's own logs into our JSON lines so they carry correlation ids too. */
function logCreator(logger: Logger): KafkaJsConfig['logCreator'] {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      const why = DELIBERATE[message];
      if (why) logger.debug(`kafkajs: ${message}`, { ...fields, why });
      else logger[LEVEL[level] ?? 'info'](`kafkajs: ${message}`, fields);
    };
}

export function createKafka(
  config: KafkaConfig,
  options: { clientId: string; logger: Logger; connectionTimeoutMs?: number },
): Kafka {
  // kafkajs on Node 24 triggers a benign TimeoutNegativeWarning; Node would print it as plain text.
  routeProcessWarnings(options.logger.child({ component: 'node' }));
  return new Kafka({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID ?? options.clientId,
    ...kafkaSecurityOptions(config),
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 30_000 },
    logLevel: logLevel.WARN,
    logCreator: logCreator(options.logger.child({ component: 'kafkajs' })),
  });
}
