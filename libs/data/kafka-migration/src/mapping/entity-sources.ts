import type { MigratedEntity } from '@mch/contracts';
import type { PgType } from './pg-text.converter';

/** A field of the event data read straight from one column. */
export interface ColumnField {
  column: string;
  type: PgType;
}

/**
 * How one monolith table becomes one entity's events, declared rather than coded: fields map to
 * columns (renamed to camelCase), `derived` fields are computed from converted column values
 * (`inputs` lists the extra columns they read). The same declaration serves the backfill and both
 * change-capture modes.
 */
export interface EntitySource {
  entity: MigratedEntity;
  table: string;
  fields: Record<string, ColumnField>;
  inputs?: Record<string, PgType>;
  /**
   * The top-level keys of a jsonb input that `derived` reads, when that is all it reads. A query
   * of the source then selects only those keys (sourceSelectList), not the whole document:
   * SAM.gov's record is about a third of an opportunity row's text, read, sent, parsed and
   * collected for every row to yield two strings.
   */
  inputKeys?: Record<string, readonly string[]>;
  derived?: Record<string, (columns: Record<string, unknown>) => unknown>;
}

const f = (column: string, type: PgType = 'text'): ColumnField => ({ column, type });

/** The keys of SAM.gov's record that samField reads (opportunity's inputKeys). */
const SAM_FIELDS = ['type', 'baseType'] as const;

function samField(name: (typeof SAM_FIELDS)[number]) {
  return (columns: Record<string, unknown>) => {
    const raw = columns.sam_raw_data;
    const value = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' && value.length > 0 ? value : null;
  };
}

/** `extracted_requirements` holds a list of strings, or of {text|requirement} objects, or {requirements: [...]}. */
export function requirementsFrom(columns: Record<string, unknown>): string[] {
  const raw = columns.extracted_requirements;
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? (raw as { requirements?: unknown }).requirements : null;
  if (!Array.isArray(list)) return [];
  return list
    .map((item) => (typeof item === 'string' ? item : item && typeof item === 'object' ? ((item as Record<string, unknown>).text ?? (item as Record<string, unknown>).requirement) : null))
    .filter((item): item is string => typeof item === 'string' && item.trim().length > 0);
}

export const ENTITY_SOURCES: Record<MigratedEntity, EntitySource> = {
  opportunity: {
    entity: 'opportunity',
    table: 'opportunities',
    fields: {
      id: f('id', 'uuid'),
      noticeId: f('notice_id'),
      title: f('title'),
      description: f('description'),
      agency: f('agency'),
      subAgency: f('sub_agency'),
      office: f('office'),
      naicsCode: f('naics_code'),
      naicsDescription: f('naics_description'),
      setAsideType: f('set_aside_type'),
      contractType: f('contract_type'),
      classificationCode: f('classification_code'),
      status: f('status'),
      solicitationNumber: f('solicitation_number'),
      postedDate: f('posted_date', 'timestamptz'),
      responseDeadline: f('response_deadline', 'timestamptz'),
      archiveDate: f('archive_date', 'timestamptz'),
      awardDate: f('award_date', 'timestamptz'),
      awardAmount: f('award_amount', 'numeric'),
      estimatedValueMin: f('estimated_value_min', 'numeric'),
      estimatedValueMax: f('estimated_value_max', 'numeric'),
      awardeeName: f('awardee_name'),
      placeOfPerformanceState: f('place_of_performance_state'),
      placeOfPerformanceCity: f('place_of_performance_city'),
      primaryContactName: f('primary_contact_name'),
      primaryContactEmail: f('primary_contact_email'),
      samUrl: f('sam_url'),
      syncVersion: f('sync_version', 'int'),
      createdAt: f('created_at', 'timestamptz'),
      updatedAt: f('updated_at', 'timestamptz'),
    },
    // The monolith has no notice_type column: SAM.gov's record carries it.
    inputs: { sam_raw_data: 'jsonb' },
    inputKeys: { sam_raw_data: SAM_FIELDS },
    derived: { noticeType: samField('type'), baseType: samField('baseType') },
  },
  proposal: {
    entity: 'proposal',
    table: 'proposals',
    fields: {
      id: f('id', 'uuid'),
      opportunityId: f('opportunity_id', 'uuid'),
      companyId: f('company_id', 'uuid'),
      createdBy: f('created_by', 'uuid'),
      title: f('title'),
      status: f('status'),
      solicitationNumber: f('solicitation_number'),
      submissionDeadline: f('submission_deadline', 'timestamptz'),
      submittedAt: f('submitted_at', 'timestamptz'),
      totalProposedPrice: f('total_proposed_price', 'numeric'),
      winProbability: f('win_probability', 'numeric'),
      aiGenerated: f('ai_generated', 'bool'),
      versionNumber: f('version_number', 'int'),
      tags: f('tags', 'text[]'),
      createdAt: f('created_at', 'timestamptz'),
      updatedAt: f('updated_at', 'timestamptz'),
    },
  },
  contract_document: {
    entity: 'contract_document',
    table: 'contract_documents',
    fields: {
      id: f('id', 'uuid'),
      opportunityId: f('opportunity_id', 'uuid'),
      companyId: f('company_id', 'uuid'),
      noticeId: f('notice_id'),
      fileName: f('file_name'),
      fileType: f('file_type'),
      fileSize: f('file_size', 'int'),
      ocrStatus: f('ocr_status'),
      processedAt: f('processed_at', 'timestamptz'),
      createdAt: f('created_at', 'timestamptz'),
      updatedAt: f('updated_at', 'timestamptz'),
    },
    // The plan's `requirements` come from each document's extraction, not from opportunities.
    inputs: { extracted_requirements: 'jsonb' },
    derived: { requirements: requirementsFrom },
  },
  company: {
    entity: 'company',
    table: 'companies',
    fields: {
      id: f('id', 'uuid'),
      name: f('name'),
      dunsNumber: f('duns_number'),
      cageCode: f('cage_code'),
      city: f('city'),
      state: f('state'),
      certifications: f('certifications', 'text[]'),
      naicsCodes: f('naics_codes', 'text[]'),
      subscriptionPlan: f('subscription_plan'),
      samRegistrationDate: f('sam_registration_date', 'timestamptz'),
      samExpirationDate: f('sam_expiration_date', 'timestamptz'),
      createdAt: f('created_at', 'timestamptz'),
      updatedAt: f('updated_at', 'timestamptz'),
    },
  },
  usage_record: {
    entity: 'usage_record',
    table: 'usage_records',
    fields: {
      id: f('id', 'uuid'),
      userId: f('user_id', 'uuid'),
      subscriptionId: f('subscription_id', 'uuid'),
      feature: f('feature'),
      quantity: f('quantity', 'int'),
      metadata: f('metadata', 'jsonb'),
      createdAt: f('created_at', 'timestamptz'),
    },
  },
};

/** Every column a source reads, with its type: fields and derivation inputs. */
export function sourceColumns(source: EntitySource): Record<string, PgType> {
  const columns: Record<string, PgType> = {};
  for (const field of Object.values(source.fields)) columns[field.column] = field.type;
  return { ...columns, ...(source.inputs ?? {}) };
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The select list of a query reading a source: every column as its text output (what pgoutput
 * sends too), except that a jsonb input with inputKeys comes as an object of just those keys when
 * it is an object (a key it lacks comes as null, which derived reads as it reads a missing key),
 * and as it is otherwise. The mapped event is the same as from the whole row.
 */
export function sourceSelectList(source: EntitySource): string {
  return Object.keys(sourceColumns(source))
    .map((c) => {
      const keys = source.inputKeys?.[c];
      const column = quoteIdent(c);
      if (!keys) return `${column}::text AS ${column}`;
      const picked = keys.map((k) => `${quoteLiteral(k)}, ${column} -> ${quoteLiteral(k)}`).join(', ');
      return `(CASE WHEN jsonb_typeof(${column}) = 'object' THEN jsonb_build_object(${picked}) ELSE ${column} END)::text AS ${column}`;
    })
    .join(', ');
}
