import type { MigratedEntity } from '@mch/contracts';
import { ErrorCode } from '@mch/util-errors';
import { FieldRejection } from '../rows/tsv-values';
import type { ColumnKind, ColumnSpec, RowSource } from './column.types';

export interface SkipIndex {
  name: string;
  expression: string;
  type: string;
}

/**
 * One analytics table: a row per entity version (event), never a row per delivery. The sorting key
 * ends with (id, source_position), so every replay, resume or duplicate of a version carries the
 * same key and ReplacingMergeTree keeps one of them; current state is read with argMax over
 * source_position, which is exact before any merge has happened.
 */
export interface AnalyticsTable {
  name: string;
  entity: MigratedEntity;
  /** The entity id column. */
  idColumn: string;
  /** The plan's time column, partitioned by month; NULL for tombstones (their data is gone). */
  timeColumn: string;
  /** Sorting key columns between the time column and source_position (the plan's order). */
  keyColumns: string[];
  skipIndexes: SkipIndex[];
  columns: ColumnSpec[];
}

const field = (name: string) => (row: RowSource) => (row.data === null ? undefined : row.data[name]);

function col(name: string, kind: ColumnKind, nullable: boolean, value: ColumnSpec['value']): ColumnSpec {
  return { name, kind, nullable, value };
}
const uuid = (name: string, from: string, nullable = false) => col(name, { type: 'uuid' }, nullable, field(from));
const text = (name: string, from: string, nullable = false, lowCardinality = false) =>
  col(name, { type: 'string', lowCardinality }, nullable, field(from));
const money = (name: string, from: string, precision = 18, scale = 2) =>
  col(name, { type: 'decimal', precision, scale }, true, field(from));
const time = (name: string, from: string, nullable: boolean) => col(name, { type: 'timestamp' }, nullable, field(from));

/** The event's own columns, the same in every table. */
function eventColumns(): ColumnSpec[] {
  return [
    col('event_timestamp', { type: 'timestamp' }, false, (r) => r.envelope.timestamp),
    col('source_position', { type: 'string' }, false, (r) => r.envelope.metadata.sourcePosition),
    col('is_deleted', { type: 'uint8' }, false, (r) => (r.data === null ? 1 : 0)),
    col('migration_id', { type: 'uuid' }, true, (r) => r.envelope.metadata.migrationId ?? null),
    col('correlation_id', { type: 'uuid' }, false, (r) => r.envelope.metadata.correlationId),
    col('causation_id', { type: 'uuid' }, true, (r) => r.envelope.metadata.causationId ?? null),
  ];
}

function headColumns(idColumn: string): ColumnSpec[] {
  return [
    col('event_id', { type: 'uuid' }, false, (r) => r.envelope.eventId),
    col('event_type', { type: 'string', lowCardinality: true }, false, (r) => r.envelope.eventType),
    col('action', { type: 'string', lowCardinality: true }, false, (r) => r.envelope.metadata.operation),
    col(idColumn, { type: 'uuid' }, false, (r) => r.envelope.aggregateId),
  ];
}

const bloom = (column: string): SkipIndex => ({ name: `idx_${column}`, expression: column, type: 'bloom_filter GRANULARITY 1' });
const set = (column: string, size: number): SkipIndex => ({ name: `idx_${column}`, expression: column, type: `set(${size}) GRANULARITY 1` });
const minmax = (column: string): SkipIndex => ({ name: `idx_${column}`, expression: column, type: 'minmax GRANULARITY 1' });

/** The plan's opportunity_events, with the columns opportunity analytics read. */
export const OPPORTUNITY_EVENTS: AnalyticsTable = {
  name: 'opportunity_events',
  entity: 'opportunity',
  idColumn: 'opportunity_id',
  timeColumn: 'created_at',
  keyColumns: ['opportunity_id'],
  skipIndexes: [bloom('opportunity_id'), set('event_type', 100), minmax('created_at')],
  columns: [
    ...headColumns('opportunity_id'),
    text('notice_id', 'noticeId'),
    text('title', 'title'),
    text('agency', 'agency', false, true),
    text('sub_agency', 'subAgency', true),
    text('notice_type', 'noticeType', true, true),
    text('naics_code', 'naicsCode', true, true),
    text('set_aside_type', 'setAsideType', true, true),
    text('contract_type', 'contractType', true, true),
    text('status', 'status', false, true),
    text('place_of_performance_state', 'placeOfPerformanceState', true, true),
    money('award_amount', 'awardAmount'),
    money('estimated_value_min', 'estimatedValueMin'),
    money('estimated_value_max', 'estimatedValueMax'),
    text('awardee_name', 'awardeeName', true),
    time('posted_date', 'postedDate', false),
    time('response_deadline', 'responseDeadline', false),
    time('archive_date', 'archiveDate', true),
    time('award_date', 'awardDate', true),
    time('created_at', 'createdAt', true),
    time('updated_at', 'updatedAt', false),
    col('user_id', { type: 'uuid' }, true, (r) => r.envelope.metadata.userId ?? null),
    ...eventColumns(),
  ],
};

/** The plan's api_usage_events, fed by usage_records (the plan's endpoint/latency come from metadata). */
export const API_USAGE_EVENTS: AnalyticsTable = {
  name: 'api_usage_events',
  entity: 'usage_record',
  idColumn: 'usage_record_id',
  timeColumn: 'timestamp',
  keyColumns: ['user_id', 'usage_record_id'],
  skipIndexes: [bloom('usage_record_id'), set('feature', 100), minmax('timestamp')],
  columns: [
    ...headColumns('usage_record_id'),
    uuid('user_id', 'userId'),
    uuid('subscription_id', 'subscriptionId', true),
    text('feature', 'feature', false, true),
    col('endpoint', { type: 'string', lowCardinality: true }, true, (r) => metadataField(r, 'endpoint', 'string')),
    col('response_time_ms', { type: 'uint32' }, true, (r) => metadataField(r, 'durationMs', 'number')),
    col('quantity', { type: 'int32' }, false, field('quantity')),
    col('metadata', { type: 'string' }, true, (r) => (r.data === null ? undefined : r.data.metadata == null ? null : JSON.stringify(r.data.metadata))),
    time('timestamp', 'createdAt', true),
    ...eventColumns(),
  ],
};

/** Proposal analytics: pipeline by status, prices, win probability, per opportunity and company. */
export const PROPOSAL_EVENTS: AnalyticsTable = {
  name: 'proposal_events',
  entity: 'proposal',
  idColumn: 'proposal_id',
  timeColumn: 'created_at',
  keyColumns: ['proposal_id'],
  skipIndexes: [bloom('proposal_id'), bloom('opportunity_id'), set('status', 16)],
  columns: [
    ...headColumns('proposal_id'),
    uuid('opportunity_id', 'opportunityId'),
    uuid('company_id', 'companyId'),
    uuid('created_by', 'createdBy'),
    text('title', 'title'),
    text('status', 'status', false, true),
    text('solicitation_number', 'solicitationNumber', true),
    time('submission_deadline', 'submissionDeadline', true),
    time('submitted_at', 'submittedAt', true),
    money('total_proposed_price', 'totalProposedPrice'),
    money('win_probability', 'winProbability', 5, 2),
    col('ai_generated', { type: 'uint8' }, true, field('aiGenerated')),
    col('version_number', { type: 'int32' }, true, field('versionNumber')),
    time('created_at', 'createdAt', true),
    time('updated_at', 'updatedAt', false),
    ...eventColumns(),
  ],
};

/** Document analytics: OCR pipeline status, sizes, extracted requirement counts per opportunity. */
export const CONTRACT_DOCUMENT_EVENTS: AnalyticsTable = {
  name: 'contract_document_events',
  entity: 'contract_document',
  idColumn: 'document_id',
  timeColumn: 'created_at',
  keyColumns: ['document_id'],
  skipIndexes: [bloom('document_id'), bloom('opportunity_id'), set('ocr_status', 8)],
  columns: [
    ...headColumns('document_id'),
    uuid('opportunity_id', 'opportunityId'),
    uuid('company_id', 'companyId'),
    text('notice_id', 'noticeId', true),
    text('file_name', 'fileName'),
    text('file_type', 'fileType', false, true),
    col('file_size', { type: 'int32' }, true, field('fileSize')),
    text('ocr_status', 'ocrStatus', false, true),
    col('requirement_count', { type: 'uint32' }, false, (r) => requirementCount(r)),
    time('processed_at', 'processedAt', true),
    time('created_at', 'createdAt', true),
    time('updated_at', 'updatedAt', true),
    ...eventColumns(),
  ],
};

export const ANALYTICS_TABLES: readonly AnalyticsTable[] = [OPPORTUNITY_EVENTS, PROPOSAL_EVENTS, CONTRACT_DOCUMENT_EVENTS, API_USAGE_EVENTS];

export function analyticsTableFor(entity: MigratedEntity): AnalyticsTable | undefined {
  return ANALYTICS_TABLES.find((t) => t.entity === entity);
}

export function analyticsTableNamed(name: string): AnalyticsTable {
  const table = ANALYTICS_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`unknown analytics table '${name}'; known: ${ANALYTICS_TABLES.map((t) => t.name).join(', ')}`);
  return table;
}

/** A metadata field when present with the expected JSON type; a derived column, NULL otherwise. */
function metadataField(row: RowSource, name: string, type: 'string' | 'number'): unknown {
  if (row.data === null) return undefined;
  const metadata = row.data.metadata;
  const value = metadata && typeof metadata === 'object' ? (metadata as Record<string, unknown>)[name] : undefined;
  if (type === 'number') return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 4_294_967_295 ? value : null;
  return typeof value === 'string' ? value : null;
}

function requirementCount(row: RowSource): number | undefined {
  if (row.data === null) return undefined;
  const requirements = row.data.requirements;
  if (!Array.isArray(requirements)) throw new FieldRejection(ErrorCode.ValidationFailed, 'requirements is not a list');
  return requirements.length;
}
