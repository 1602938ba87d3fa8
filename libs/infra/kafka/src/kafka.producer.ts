import type { Kafka, Producer, ProducerConfig } from 'kafkajs';

/**
 * An idempotent producer whose sends go to the broker one call at a time.
 *
 * kafkajs (2.2.4) numbers an idempotent producer's batches per partition when it builds a request
 * and advances the number only when the broker answers. Two send/sendBatch calls in flight at once
 * on one producer (a backfill and a change streamer sharing it, a dead-letter send beside a
 * batch) can therefore reach a partition out of order: the broker answers
 * OUT_OF_ORDER_SEQUENCE_NUMBER, often after part of the batch was written, and every later call
 * fails the same way (tulios/kafkajs#598, #1005). maxInFlightRequests: 1 limits requests per
 * connection, not calls per producer, so it does not prevent this. Chaining the calls does.
 */
export function createIdempotentProducer(kafka: Kafka, config: Omit<ProducerConfig, 'idempotent' | 'maxInFlightRequests'> = {}): Producer {
  return serializeSends(kafka.producer({ ...config, idempotent: true, maxInFlightRequests: 1 }));
}

/** The same producer, with send and sendBatch queued behind each other (a failure does not block the queue). */
export function serializeSends<P extends { sendBatch(batch: never): Promise<unknown>; send?(record: never): Promise<unknown> }>(producer: P): P {
  let tail: Promise<unknown> = Promise.resolve();
  const queued = <T>(call: () => Promise<T>): Promise<T> => {
    const result = tail.then(call, call);
    tail = result.catch(() => undefined);
    return result;
  };
  const send = producer.send;
  return {
    ...producer,
    ...(send ? { send: (record: never) => queued(() => send.call(producer, record)) } : {}),
    sendBatch: (batch: never) => queued(() => producer.sendBatch(batch)),
  };
}
