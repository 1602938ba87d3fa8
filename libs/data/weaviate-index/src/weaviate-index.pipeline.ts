import type { Kafka, Producer } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, deadLetterTopic } from '@mch/contracts';
import { ConsumerLoop, type ConsumerLoopOptions, type ProcessingLog } from '@mch/data-consumer-loop';
import type { Logger } from '@mch/util-logger';
import { indexEventDecoder } from './mapping/index-event.decoder';
import type { IndexEvent, IndexedEntity } from './mapping/index-event';
import { WeaviateIndexSink, type WeaviateIndexSinkOptions } from './sink/weaviate-index.sink';

export interface WeaviateIndexLoopOptions {
  topics: Record<IndexedEntity, string>;
  groupId: string;
  fromBeginning: boolean;
  /** Kafka records per sink batch (split into Weaviate requests of `sink.batchSize`). */
  maxBatchRecords: number;
  maxBatchWaitMs: number;
  /** Kafka fetch bounds (the consumer loop's defaults when absent). */
  fetchMaxBytes?: number;
  fetchMaxBytesPerPartition?: number;
  /** Whole-batch attempts (Weaviate unreachable, transient errors persisting) before stopping. */
  maxWriteAttempts: number;
  serviceName: string;
  sink: WeaviateIndexSinkOptions;
  /** Log each indexed record as succeeded in the processing log (the consumer loop's option). */
  logSucceeded?: ConsumerLoopOptions['logSucceeded'];
  /** The service's metrics (consumerLoopObserver); none when absent. */
  observer?: ConsumerLoopOptions['observer'];
}

export interface WeaviateIndexLoop {
  loop: ConsumerLoop<IndexEvent>;
  sink: WeaviateIndexSink;
}

/** dlq.<topic>: the contract's dead-letter topic for the standard topics, the same rule for others. */
export function indexDeadLetterTopic(topic: string): string {
  const entity = (['opportunity', 'contract_document'] as const).find((e) => ENTITY_TOPICS[e].name === topic);
  return entity ? deadLetterTopic(entity) : `dlq.${topic}`;
}

/** The shared consume -> batch -> write -> commit loop with the Weaviate sink: one per process. */
export function createWeaviateIndexLoop(
  deps: { kafka: Kafka; producer: Producer; client: WeaviateClient; processingLog: ProcessingLog | null; logger: Logger },
  options: WeaviateIndexLoopOptions,
): WeaviateIndexLoop {
  const sink = new WeaviateIndexSink(deps.client, options.sink, deps.logger.child({ component: 'weaviate-sink' }));
  const loop = new ConsumerLoop<IndexEvent>(deps.kafka, deps.producer, indexEventDecoder(options.topics), sink, deps.logger, deps.processingLog, {
    groupId: options.groupId,
    topics: [options.topics.opportunity, options.topics.contract_document],
    fromBeginning: options.fromBeginning,
    maxBatchRecords: options.maxBatchRecords,
    maxBatchWaitMs: options.maxBatchWaitMs,
    fetchMaxBytes: options.fetchMaxBytes,
    fetchMaxBytesPerPartition: options.fetchMaxBytesPerPartition,
    maxWriteAttempts: options.maxWriteAttempts,
    deadLetterTopicFor: indexDeadLetterTopic,
    serviceName: options.serviceName,
    logSucceeded: options.logSucceeded,
    observer: options.observer,
  });
  return { loop, sink };
}
