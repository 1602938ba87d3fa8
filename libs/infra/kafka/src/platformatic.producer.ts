import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Producer, compatibilityPartitioner, type MessageToProduce } from '@platformatic/kafka';
import type { KafkaConfig } from '@mch/util-config';
import type { Logger } from '@mch/util-logger';
import { serializeSends } from './kafka.producer';
import type { ProducedBatch, RecordProducer } from './record-producer';

type Bytes = string | Buffer;
type Message = MessageToProduce<Bytes, Bytes, string, Bytes>;

/** Text goes out as UTF-8, bytes as they are (the same wire bytes kafkajs sends). */
const toBytes = (data?: Bytes): Buffer | undefined => (data === undefined ? undefined : Buffer.isBuffer(data) ? data : Buffer.from(data));

/** TLS and SASL/SCRAM from the same validated settings as kafkaSecurityOptions (kafkajs). */
export function platformaticSecurityOptions(config: KafkaConfig) {
  const tls = config.KAFKA_SSL
    ? { rejectUnauthorized: true, ...(config.KAFKA_SSL_CA_FILE ? { ca: [readFileSync(config.KAFKA_SSL_CA_FILE)] } : {}) }
    : undefined;
  const sasl =
    config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
      ? {
          mechanism: config.KAFKA_SASL_MECHANISM === 'scram-sha-256' ? ('SCRAM-SHA-256' as const) : ('SCRAM-SHA-512' as const),
          username: config.KAFKA_SASL_USERNAME,
          password: config.KAFKA_SASL_PASSWORD,
        }
      : undefined;
  // SNI with the broker's host name, as kafkajs sends it; never for an IP address, which Node
  // refuses as a server name (DEP0123). The certificate is checked against the host either way.
  const byName = config.KAFKA_BROKERS.every((broker) => isIP(broker.slice(0, broker.lastIndexOf(':'))) === 0);
  return { ...(tls ? { tls, ...(byName ? { tlsServerName: true } : {}) } : {}), ...(sasl ? { sasl } : {}) };
}

/**
 * @platformatic/kafka wraps the broker's answer in AggregateErrors and `cause` chains ("metadata
 * failed 9 times" > "Cannot connect to any broker" > "Connection to host:port failed" > "SASL
 * authentication failed"); the log and the caller get every level down to the innermost reason.
 * Duck-typed: under Jest the client's errors come from another realm.
 */
export function reasons(error: unknown): string {
  const { message, errors, cause } = (error ?? {}) as { message?: unknown; errors?: unknown; cause?: unknown };
  let text = typeof message === 'string' ? message : String(error);
  if (cause !== undefined && cause !== null) text = `${text}: ${reasons(cause)}`;
  if (!Array.isArray(errors) || errors.length === 0) return text;
  return `${text} (${[...new Set(errors.map(reasons))].join('; ')})`;
}

/**
 * kafkajs's backoff (300 ms doubling up to 30 s, with jitter), so a broker restart or a leader
 * election is ridden out as long on either client; the client's own default is a flat 1 s x 3.
 */
export function retryDelayMs(_client: unknown, _operation: string, attempt: number): number {
  const base = Math.min(30_000, 300 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * A RecordProducer on @platformatic/kafka: idempotent, acks=all, murmur2 partitions
 * (compatibilityPartitioner: its default partitioner masks the hash differently and put 974 of
 * 2,000 keys on another partition than kafkajs). Calls are still queued one at a time: each takes
 * its sequence numbers when it is built, so a failed call followed by a queued one could otherwise
 * reach a partition out of order. Its own logs go through `debug`, silent unless DEBUG asks.
 */
export function createPlatformaticProducer(config: KafkaConfig, options: { clientId: string; logger: Logger; retryDelayMs?: number }): RecordProducer {
  const producer = new Producer<Bytes, Bytes, string, Bytes>({
    clientId: config.KAFKA_CLIENT_ID ?? options.clientId,
    bootstrapBrokers: config.KAFKA_BROKERS,
    ...platformaticSecurityOptions(config),
    serializers: { key: toBytes, value: toBytes, headerKey: toBytes, headerValue: toBytes },
    idempotent: true,
    acks: -1,
    partitioner: compatibilityPartitioner,
    autocreateTopics: false,
    // The same bounds as our kafkajs clients (kafkaClientConfig): a send during an outage fails
    // after its retries and the caller's handling (readiness, resend, dead letter) takes over.
    connectTimeout: 3_000,
    requestTimeout: 30_000,
    retries: 8,
    retryDelay: options.retryDelayMs ?? retryDelayMs,
  });
  const logger = options.logger.child({ component: 'platformatic-kafka' });
  return serializeSends({
    // Fails here, as kafkajs's connect does, when no broker answers; later sends connect as needed.
    connect: async () => {
      await producer.metadata({ topics: [] });
    },
    sendBatch: async (batch: ProducedBatch) => {
      const messages: Message[] = [];
      for (const { topic, messages: list } of batch.topicMessages) {
        for (const m of list) messages.push({ topic, key: m.key, value: m.value, headers: m.headers });
      }
      try {
        return await producer.send({ messages });
      } catch (error) {
        const message = reasons(error);
        logger.debug('send failed', { error: message, messages: messages.length });
        throw new Error(`Kafka send of ${messages.length} messages failed: ${message}`, { cause: error });
      }
    },
    disconnect: () => producer.close(),
  });
}
