import type { Kafka } from 'kafkajs';
import type { KafkaConfig, KafkaProducerClient } from '@mch/util-config';
import type { Logger } from '@mch/util-logger';
import { createIdempotentProducer } from './kafka.producer';
import { createPlatformaticProducer } from './platformatic.producer';

/** One message to produce: keyed (the key picks the partition), text or bytes, with text headers. */
export interface ProducedMessage {
  key: string | Buffer;
  value: string | Buffer;
  headers?: Record<string, string | Buffer>;
}

export interface ProducedBatch {
  /** -1 (all in-sync replicas) for every event we write; kept in the call so it reads like kafkajs's. */
  acks: -1;
  topicMessages: { topic: string; messages: ProducedMessage[] }[];
}

/**
 * What our event writers need from a Kafka producer, whatever client is behind it: idempotent,
 * acks=all, one call at a time, every key on the partition Java's and kafkajs's partitioner gives it
 * (murmur2), so a row's versions keep one partition whichever client or service wrote them.
 * A resolved sendBatch means every message of it was acknowledged.
 */
export interface RecordProducer {
  connect(): Promise<void>;
  sendBatch(batch: ProducedBatch): Promise<unknown>;
  disconnect(): Promise<void>;
}

const settings = new WeakMap<Kafka, { config: KafkaConfig; clientId: string; logger: Logger }>();

/** Remembered by createKafka, so a producer can be made from the same settings with another client. */
export function rememberKafkaSettings(kafka: Kafka, value: { config: KafkaConfig; clientId: string; logger: Logger }): void {
  settings.set(kafka, value);
}

/**
 * The event producer the settings ask for (KAFKA_PRODUCER_CLIENT, `client` overrides it): kafkajs
 * (our serialized idempotent producer) or @platformatic/kafka (2.6x kafkajs's send rate on the
 * same messages, `npm run bench kafka-client`). Both connect with the same brokers, TLS and SASL.
 */
export function createRecordProducer(kafka: Kafka, options: { client?: KafkaProducerClient } = {}): RecordProducer {
  const known = settings.get(kafka);
  const client = options.client ?? known?.config.KAFKA_PRODUCER_CLIENT ?? 'kafkajs';
  if (client === 'kafkajs') return createIdempotentProducer(kafka);
  if (!known) throw new Error('a @platformatic/kafka producer needs a Kafka client made by createKafka (its settings are read from it)');
  return createPlatformaticProducer(known.config, { clientId: known.clientId, logger: known.logger });
}
