import type { Producer } from 'kafkajs';
import { DeadLetterStage, ENTITY_EVENTS, ENTITY_TOPICS, deadLetterHeaders, deadLetterValue, truncateDeadLetterRow, type DeadLetterInput } from '@mch/contracts';
import type { HistoricalRejection } from '@mch/data-clickhouse-analytics';
import type { ProcessingLog } from '@mch/data-consumer-loop';
import type { Logger } from '@mch/util-logger';
import { deadLetterTopicOf } from './populator-topics';

/**
 * Where the direct load sends rows it cannot store: the entity's dead-letter topic (the contract's
 * dead letter, stage clickhouse-historical-load, with the source row) and the processing log.
 */
export function historicalDeadLetters(options: {
  producer: Producer;
  processingLog: ProcessingLog;
  logger: Logger;
  serviceName: string;
  topicPrefix: string;
  /** The run the load belongs to, so the checker can tell this run's dead letters from others. */
  migrationId: string | null;
}): (rejections: HistoricalRejection[]) => Promise<void> {
  return async (rejections) => {
    const byTopic = Map.groupBy(rejections, (r) => deadLetterTopicOf(`${options.topicPrefix}${ENTITY_TOPICS[r.entity].name}`));
    await options.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((r) => {
          const letter: DeadLetterInput = {
            stage: DeadLetterStage.ClickHouseHistoricalLoad,
            service: options.serviceName,
            entity: r.entity,
            id: r.id.toLowerCase(),
            migrationId: options.migrationId,
            migrationRun: null,
            correlationId: null,
            reason: r.error,
            original: null,
            source: { table: ENTITY_TOPICS[r.entity].table, operation: 'snapshot', position: null, row: truncateDeadLetterRow(r.row), rowDigest: null },
          };
          return { key: r.id, value: deadLetterValue(letter), headers: deadLetterHeaders(letter) };
        }),
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
