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

/** Routes kafkajs's own logs into our JSON lines so they carry correlation ids too. */
function logCreator(logger: Logger): KafkaJsConfig['logCreator'] {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      logger[LEVEL[level] ?? 'info'](`kafkajs: ${message}`, fields);
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
