import type { z } from 'zod';
import type { MigratedEntity } from '../topics';
import {
  companyDataSchema,
  contractDocumentDataSchema,
  opportunityDataSchema,
  proposalDataSchema,
  usageRecordDataSchema,
} from './entity-data.schemas';

export type ChangeOperation = 'snapshot' | 'insert' | 'update' | 'delete';

/** Aggregate type and event type names per entity; snapshot events keep the monolith team's name. */
export const ENTITY_EVENTS: Record<
  MigratedEntity,
  { aggregateType: string; eventTypes: Record<ChangeOperation, string>; data: z.ZodObject }
> = {
  opportunity: events('Opportunity', opportunityDataSchema),
  proposal: events('Proposal', proposalDataSchema),
  contract_document: events('ContractDocument', contractDocumentDataSchema),
  company: events('Company', companyDataSchema),
  usage_record: events('UsageRecord', usageRecordDataSchema),
};

function events(aggregateType: string, data: z.ZodObject) {
  return {
    aggregateType,
    data,
    eventTypes: {
      snapshot: `${aggregateType}Migrated`,
      insert: `${aggregateType}Created`,
      update: `${aggregateType}Updated`,
      delete: `${aggregateType}Deleted`,
    },
  };
}

/**
 * Source positions order every version of a row. Logical replication positions are WAL LSNs,
 * trigger capture positions are change-table sequence numbers; both are written as fixed-width
 * text so that comparing strings compares positions.
 */
export function formatSourcePosition(kind: 'lsn' | 'seq', value: bigint): string {
  return `${kind}:${value.toString(16).padStart(16, '0')}`;
}

export function compareSourcePositions(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
