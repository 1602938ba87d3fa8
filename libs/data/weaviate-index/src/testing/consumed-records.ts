import type { KafkaMessage } from 'kafkajs';
import type { EventEnvelope } from '@mch/contracts';
import type { ConsumedRecord } from '@mch/data-consumer-loop';
import { indexEventDecoder } from '../mapping/index-event.decoder';
import type { IndexEvent, IndexedEntity } from '../mapping/index-event';
import { envelopeMessage } from './monolith-events';

export const TEST_TOPICS: Record<IndexedEntity, string> = {
  opportunity: 'test.opportunities',
  contract_document: 'test.documents',
};

let offset = 0;

/** Envelopes as the consumer loop hands them to the sink (decoded by the production decoder). */
export function consumedRecords(envelopes: readonly EventEnvelope[]): ConsumedRecord<IndexEvent>[] {
  const decode = indexEventDecoder(TEST_TOPICS);
  return envelopes.map((envelope) => {
    const entity: IndexedEntity = envelope.aggregateType === 'Opportunity' ? 'opportunity' : 'contract_document';
    const message = envelopeMessage(envelope);
    const topic = TEST_TOPICS[entity];
    const kafkaMessage: KafkaMessage = {
      key: Buffer.from(message.key),
      value: Buffer.from(message.value),
      headers: message.headers,
      timestamp: String(Date.now()),
      attributes: 0,
      offset: String(offset),
    };
    return { topic, partition: 0, offset: String(offset++), key: message.key, value: decode(kafkaMessage, topic).value, headers: message.headers };
  });
}
