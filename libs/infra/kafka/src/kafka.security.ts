import { readFileSync } from 'node:fs';
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '@mch/util-config';

/**
 * kafkajs's `ssl` and `sasl` from the validated settings: TLS verifies the broker's certificate
 * and host name (against KAFKA_SSL_CA_FILE when given, else the system CAs); SCRAM authenticates.
 */
export function kafkaSecurityOptions(config: KafkaConfig): Pick<KafkaJsConfig, 'ssl' | 'sasl'> {
  const ssl = config.KAFKA_SSL
    ? config.KAFKA_SSL_CA_FILE
      ? { ca: [readFileSync(config.KAFKA_SSL_CA_FILE)], rejectUnauthorized: true }
      : true
    : undefined;
  const sasl: SASLOptions | undefined =
    config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
      ? {
          mechanism: config.KAFKA_SASL_MECHANISM,
          username: config.KAFKA_SASL_USERNAME,
          password: config.KAFKA_SASL_PASSWORD,
        }
      : undefined;
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
