import type { KafkaMessage } from 'kafkajs';
import type { MessageDecoder } from '@mch/data-consumer-loop';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import type { AnalyticsTable } from '../schema/analytics-tables';
import { toAnalyticsRow } from '../rows/analytics-row.converter';
import { decodeEntityEnvelope } from './entity-envelope.decoder';

/** A consumed event already turned into its table's TabSeparated line. */
export interface AnalyticsRowRecord {
  table: AnalyticsTable;
  line: string;
  /** The month partition (YYYYMM) the line lands in. */
  partition: string;
}

/**
 * The populator's decoder: envelope checks and row encoding happen as each message arrives, so a
 * batch holds ~0.5 kB lines instead of parsed envelopes (several kB of short-lived objects each),
 * and an event no column can hold is dead-lettered with the message exactly as it was consumed.
 */
export function analyticsRowDecoder(
  tableOfTopic: ReadonlyMap<string, AnalyticsTable>,
  caps: AnalyticsCapabilities,
): MessageDecoder<AnalyticsRowRecord> {
  return (message: KafkaMessage, topic: string) => {
    const table = tableOfTopic.get(topic);
    if (!table) {
      throw new DomainException(ErrorCode.ValidationFailed, `topic ${topic} has no analytics table`, { field: 'topic' });
    }
    const envelope = decodeEntityEnvelope(table.entity, message.key ? message.key.toString() : null, message.value ? message.value.toString() : null);
    const row = toAnalyticsRow(table, { envelope, data: envelope.data }, caps);
    if (!row.ok) {
      throw new DomainException(row.error.code as ErrorCode, row.error.message, {
        entity: envelope.aggregateType,
        id: envelope.aggregateId,
        field: row.error.field,
      });
    }
    return {
      value: { table, line: row.line, partition: row.partition },
      entityType: envelope.aggregateType,
      entityId: envelope.aggregateId,
      sourcePosition: envelope.metadata.sourcePosition ?? null,
    };
  };
}
