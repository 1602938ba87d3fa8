import type { ContractDocumentData } from '@mch/contracts';
import { OBJECT_ID_NAMESPACES } from '../collections/index-collections';
import { uuidV5 } from '../collections/uuid-v5';
import { lineageOf, type IndexEvent, type IndexedEntity } from '../mapping/index-event';
import { LossyFields } from '../mapping/lossless-values';
import { toMillisIso } from '../mapping/opportunity.mapper';
import type { RequirementSource } from '../mapping/requirements.merge';
import type { WriteObject } from './batch-writer';

export function documentObjectId(documentId: string): string {
  return uuidV5(documentId, OBJECT_ID_NAMESPACES.contractDocument);
}

export function tombstoneObjectId(entity: IndexedEntity, id: string): string {
  return uuidV5(`${entity}:${id}`, OBJECT_ID_NAMESPACES.tombstone);
}

function lineageProperties(event: IndexEvent): Record<string, unknown> {
  const lineage = lineageOf(event);
  return {
    sourcePosition: event.position,
    eventId: lineage.eventId,
    correlationId: lineage.correlationId,
    ...(lineage.causationId !== null ? { causationId: lineage.causationId } : {}),
    ...(lineage.migrationRun !== null ? { migrationRun: lineage.migrationRun } : {}),
    ...(lineage.migrationId !== null ? { migrationId: lineage.migrationId } : {}),
  };
}

/**
 * A contract document's requirement-source object. Values a property cannot hold exactly are
 * written as their nearest typed value, named in `lossyFields`, the original kept in `rawValues`.
 */
export function documentObject(event: IndexEvent, data: ContractDocumentData): WriteObject {
  const lossy = new LossyFields();
  const fileName = lossy.text('fileName', data.fileName);
  const requirements = lossy.textList('requirements', data.requirements);
  const createdAt = lossy.date('documentCreatedAt', data.createdAt);
  const rawValues = lossy.rawValuesText();
  return {
    id: documentObjectId(data.id),
    properties: {
      documentId: data.id,
      opportunityId: data.opportunityId,
      fileName,
      requirements,
      ...(createdAt !== null ? { documentCreatedAt: createdAt } : {}),
      lossyFields: lossy.fields(),
      ...(rawValues !== null ? { rawValues } : {}),
      ...lineageProperties(event),
    },
  };
}

export function tombstoneObject(event: IndexEvent): WriteObject {
  return {
    id: tombstoneObjectId(event.entity, event.aggregateId),
    properties: { entityType: event.entity, entityId: event.aggregateId, deletedAt: toMillisIso(event.timestamp), ...lineageProperties(event) },
  };
}

/** A stored document object as a requirement source. */
export function requirementSourceOf(properties: Record<string, unknown>): RequirementSource {
  const created = properties.documentCreatedAt;
  return {
    documentId: String(properties.documentId),
    createdAt: created instanceof Date ? created.toISOString() : typeof created === 'string' ? created : null,
    requirements: Array.isArray(properties.requirements) ? properties.requirements.filter((r): r is string => typeof r === 'string') : [],
  };
}
