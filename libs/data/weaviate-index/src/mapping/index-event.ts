import type { ContractDocumentData, EventEnvelope, OpportunityData } from '@mch/contracts';

/** The entities the Weaviate index consumes. */
export type IndexedEntity = 'opportunity' | 'contract_document';

/**
 * A validated envelope plus what the sink derives from it. It stays an envelope (same fields) so
 * that a dead-lettered record carries the original event and can be re-published as is.
 */
interface IndexEventOf<E extends IndexedEntity, D extends Record<string, unknown>> extends Omit<EventEnvelope, 'data'> {
  data: D | null;
  entity: E;
  /** metadata.sourcePosition, required here: text order is version order. */
  position: string;
  /** A source delete: `data` is null. */
  deleted: boolean;
}

export type OpportunityEvent = IndexEventOf<'opportunity', OpportunityData>;
export type ContractDocumentEvent = IndexEventOf<'contract_document', ContractDocumentData>;
export type IndexEvent = OpportunityEvent | ContractDocumentEvent;

/** Where a version came from; stored on every object so versions can be ordered and runs undone. */
export interface Lineage {
  eventId: string;
  correlationId: string;
  /** The event that caused this one (envelope.metadata.causationId), if any. */
  causationId: string | null;
  migrationRun: string | null;
  migrationId: string | null;
  /** The event's timestamp (ISO). */
  timestamp: string;
}

/** Lineage of a version; any envelope will do (the sink passes index events, tests raw envelopes). */
export function lineageOf(event: Pick<EventEnvelope, 'eventId' | 'metadata' | 'timestamp'>): Lineage {
  return {
    eventId: event.eventId,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId ?? null,
    migrationRun: event.metadata.migrationRun ?? null,
    migrationId: event.metadata.migrationId ?? null,
    timestamp: event.timestamp,
  };
}
