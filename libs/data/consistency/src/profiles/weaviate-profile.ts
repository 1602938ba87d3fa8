import type { ContractDocumentData, MigratedEntity, OpportunityData } from '@mch/contracts';
import {
  documentObject,
  opportunityProperties,
  type IndexCollectionNames,
  type IndexEvent,
} from '@mch/data-weaviate-index';
import { discoverCopiedFields } from './copied-fields';
import { profileOf, type HashProfile } from './hash-profile';

/** How one entity lives in Weaviate: its collection, the property holding the row id, the fields it holds. */
export interface WeaviateEntityView {
  entity: MigratedEntity;
  collection: string;
  /** The property holding the row's id; null when the object id is the row id. */
  keyProperty: string | null;
  profile: HashProfile;
}

const LINEAGE = {
  eventId: 'ffffffff-ffff-4fff-8fff-fffffffffff1',
  correlationId: 'ffffffff-ffff-4fff-8fff-fffffffffff3',
  causationId: null,
  migrationRun: null,
  migrationId: null,
  timestamp: '1999-12-31T23:59:59.999Z',
};

function sentinelEvent(
  entity: 'opportunity' | 'contract_document',
  data: Record<string, unknown>,
): IndexEvent {
  return {
    eventId: LINEAGE.eventId,
    eventType: 'Sentinel',
    aggregateId: String(data.id),
    aggregateType: 'Sentinel',
    timestamp: LINEAGE.timestamp,
    data: data as never,
    metadata: {
      correlationId: LINEAGE.correlationId,
      causationId: null,
      source: 'postgresql',
      schemaVersion: '1.0',
    },
    entity,
    position: 'lsn:ffffffffffffffff',
    deleted: false,
  } as IndexEvent;
}

/**
 * The Weaviate views of the indexed entities, with the fields found by running the indexer's own
 * mappers on sentinel data: opportunities are objects keyed by the row id; contract documents are
 * requirement-source objects whose `documentId` holds the row id.
 */
export function weaviateViews(
  names: IndexCollectionNames,
): Partial<Record<MigratedEntity, WeaviateEntityView>> {
  const opportunity = discoverCopiedFields(
    'opportunity',
    (data) =>
      opportunityProperties(data as unknown as OpportunityData, [], {
        position: 'lsn:ffffffffffffffff',
        lineage: LINEAGE,
        embeddingsVersion: 1,
      }) as unknown as Record<string, unknown>,
  );
  const document = discoverCopiedFields(
    'contract_document',
    (data) =>
      documentObject(sentinelEvent('contract_document', data), data as unknown as ContractDocumentData)
        .properties,
  );
  delete document.id;
  return {
    opportunity: {
      entity: 'opportunity',
      collection: names.opportunity,
      keyProperty: null,
      profile: profileOf('opportunity', opportunity),
    },
    contract_document: {
      entity: 'contract_document',
      collection: names.contractDocument,
      keyProperty: 'documentId',
      profile: profileOf('contract_document', document),
    },
  };
}
