import type { Pool } from 'pg';
import {
  ENTITY_EVENTS,
  EventHeaders,
  formatSourcePosition,
  type ChangeOperation,
  type ContractDocumentData,
  type EventEnvelope,
  type OpportunityData,
} from '@mch/contracts';
import { uuidV5 } from '../collections/uuid-v5';
import type { IndexedEntity } from '../mapping/index-event';

/**
 * Test and benchmark support: reads the monolith fixture's rows as entity data (the shape the
 * kafka-migrator publishes) and wraps them in envelopes, so specs can produce the topics' messages
 * themselves. Production data arrives from kafka-migrator; nothing here runs in a service.
 */
const TS = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A keyset page: the rows after `after` (by id), at most `limit`; all rows without one. */
export interface RowPage {
  after?: string;
  limit?: number;
}

export async function monolithOpportunities(pool: Pool, page: RowPage = {}): Promise<OpportunityData[]> {
  const { rows } = await pool.query<OpportunityData>(`
    SELECT id, notice_id AS "noticeId", title, description, agency, sub_agency AS "subAgency", office,
           sam_raw_data->>'type' AS "noticeType", sam_raw_data->>'baseType' AS "baseType",
           naics_code AS "naicsCode", naics_description AS "naicsDescription", set_aside_type AS "setAsideType",
           contract_type AS "contractType", classification_code AS "classificationCode", status::text AS status,
           solicitation_number AS "solicitationNumber", ${TS('posted_date')} AS "postedDate",
           ${TS('response_deadline')} AS "responseDeadline", ${TS('archive_date')} AS "archiveDate",
           ${TS('award_date')} AS "awardDate", award_amount::text AS "awardAmount",
           estimated_value_min::text AS "estimatedValueMin", estimated_value_max::text AS "estimatedValueMax",
           awardee_name AS "awardeeName", place_of_performance_state AS "placeOfPerformanceState",
           place_of_performance_city AS "placeOfPerformanceCity", primary_contact_name AS "primaryContactName",
           primary_contact_email AS "primaryContactEmail", sam_url AS "samUrl", sync_version AS "syncVersion",
           ${TS('created_at')} AS "createdAt", ${TS('updated_at')} AS "updatedAt"
      FROM opportunities
     WHERE $1::uuid IS NULL OR id > $1::uuid
     ORDER BY id
     LIMIT $2`, [page.after ?? null, page.limit ?? null]);
  return rows;
}

function requirementsOf(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string' && r.trim().length > 0) : [];
}

export async function monolithContractDocuments(pool: Pool): Promise<ContractDocumentData[]> {
  const { rows } = await pool.query<ContractDocumentData & { extracted: unknown }>(`
    SELECT id, opportunity_id AS "opportunityId", company_id AS "companyId", notice_id AS "noticeId",
           file_name AS "fileName", file_type AS "fileType", file_size AS "fileSize", ocr_status AS "ocrStatus",
           extracted_requirements AS extracted, ${TS('processed_at')} AS "processedAt",
           ${TS('created_at')} AS "createdAt", ${TS('updated_at')} AS "updatedAt"
      FROM contract_documents ORDER BY id`);
  return rows.map(({ extracted, ...row }) => ({ ...row, requirements: requirementsOf(extracted) }));
}

const TEST_EVENT_NAMESPACE = '0b6f3c1e-2d4a-5f8b-9c0d-1e2f3a4b5c6d';

export interface EnvelopeOptions {
  operation: ChangeOperation;
  /** Version number of the row; becomes `lsn:<16 hex>`. */
  position: bigint | number;
  migrationRun?: string | null;
  migrationId?: string | null;
  correlationId?: string;
  causationId?: string | null;
  timestamp?: string;
}

export function indexEnvelope(
  entity: IndexedEntity,
  id: string,
  data: OpportunityData | ContractDocumentData | null,
  options: EnvelopeOptions,
): EventEnvelope {
  const events = ENTITY_EVENTS[entity];
  const position = formatSourcePosition('lsn', BigInt(options.position));
  return {
    eventId: uuidV5(`${entity}|${id}|${position}|${options.operation}`, TEST_EVENT_NAMESPACE),
    eventType: events.eventTypes[options.operation],
    aggregateId: id,
    aggregateType: events.aggregateType,
    timestamp: options.timestamp ?? '2026-03-01T12:00:00.000Z',
    data: options.operation === 'delete' ? null : (data as Record<string, unknown> | null),
    metadata: {
      correlationId: options.correlationId ?? uuidV5(`correlation|${options.migrationRun ?? 'none'}`, TEST_EVENT_NAMESPACE),
      causationId: options.causationId ?? null,
      source: 'postgresql',
      schemaVersion: '1.0',
      migrationId: options.migrationId ?? null,
      migrationRun: options.migrationRun ?? null,
      sourcePosition: position,
      operation: options.operation,
    },
  };
}

/** The Kafka message for an envelope: key = row id, JSON value, the contract's headers. */
export function envelopeMessage(envelope: EventEnvelope): { key: string; value: string; headers: Record<string, string> } {
  return {
    key: envelope.aggregateId,
    value: JSON.stringify(envelope),
    headers: {
      [EventHeaders.eventType]: envelope.eventType,
      [EventHeaders.eventId]: envelope.eventId,
      [EventHeaders.correlationId]: envelope.metadata.correlationId,
      [EventHeaders.causationId]: envelope.eventId,
      ...(envelope.metadata.migrationId ? { [EventHeaders.migrationId]: envelope.metadata.migrationId } : {}),
    },
  };
}
