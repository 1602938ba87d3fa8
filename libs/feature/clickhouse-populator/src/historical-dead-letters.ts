import type { Producer } from 'kafkajs';
import { ENTITY_EVENTS, ENTITY_TOPICS } from '@mch/contracts';
import type { HistoricalRejection } from '@mch/data-clickhouse-analytics';
import type { ProcessingLog } from '@mch/data-consumer-loop';
import type { Logger } from '@mch/util-logger';
import { deadLetterTopicOf } from './populator-topics';

/**
 * Where the direct load sends rows it cannot store: the entity's dead-letter topic (same message
 * shape as the consumer loop's, with the source row instead of an event) and the processing log.
 */
export function historicalDeadLetters(options: {
  producer: Producer;
  processingLog: ProcessingLog;
  logger: Logger;
  serviceName: string;
  topicPrefix: string;
}): (rejections: HistoricalRejection[]) => Promise<void> {
  return async (rejections) => {
    const byTopic = new Map<string, HistoricalRejection[]>();
    for (const r of rejections) {
      const topic = deadLetterTopicOf(`${options.topicPrefix}${ENTITY_TOPICS[r.entity].name}`);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), r]);
    }
    await options.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((r) => ({
          key: r.id,
          value: JSON.stringify({
            originalTopic: null,
            source: { table: ENTITY_TOPICS[r.entity].table, mode: 'historical-load' },
            event: JSON.stringify(r.row),
            error: r.error,
            service: options.serviceName,
            timestamp: new Date().toISOString(),
          }),
          headers: { 'aggregate-type': ENTITY_EVENTS[r.entity].aggregateType, 'dlq-error-code': r.error.code },
        })),
      })),
    });
    await options.processingLog.record(
      rejections.map((r) => ({
        entityId: r.id,
        entityType: ENTITY_EVENTS[r.entity].aggregateType,
        action: `historical-load:${ENTITY_TOPICS[r.entity].table}`,
        status: 'dead_lettered' as const,
        errorCode: r.error.code,
        errorMessage: r.error.message,
        metadata: { field: r.error.field ?? null },
      })),
    );
    for (const r of rejections) options.logger.warn('row dead-lettered', { entity: r.entity, id: r.id, error: r.error });
  };
}
