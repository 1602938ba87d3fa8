import type { WeaviateField } from 'weaviate-client';
import type { OpportunityData } from '@mch/contracts';
import { contentHash } from '../vectors/content-hash';
import type { Lineage } from './index-event';
import { dateValue, LossyFields, parseRawValues, textListValue, textValue } from './lossless-values';

/** An Opportunity object's properties as the index writes them; `null` = property absent. */
export interface OpportunityProperties {
  title: string;
  description: string | null;
  agency: string;
  naicsCode: string | null;
  requirements: string[];
  embeddings_version: number;
  noticeId: string;
  solicitationNumber: string | null;
  noticeType: string | null;
  subAgency: string | null;
  office: string | null;
  classificationCode: string | null;
  setAsideType: string | null;
  status: string;
  placeOfPerformanceState: string | null;
  postedDate: string;
  responseDeadline: string;
  archiveDate: string | null;
  sourceUpdatedAt: string;
  contentHash: string;
  sourcePosition: string;
  eventId: string;
  migrationRun: string | null;
  migrationId: string | null;
  correlationId: string;
  causationId: string | null;
  /** Properties whose typed value is not the source's exact value (sorted); see lossless-values. */
  lossyFields: string[];
  /** JSON text: lossy property -> the source's original value; null when nothing is lossy. */
  rawValues: string | null;
}

/** Weaviate stores dates with millisecond precision (and the client reads them back as Date). */
export function toMillisIso(value: string): string {
  return new Date(value).toISOString();
}

export interface VersionInfo {
  position: string;
  lineage: Lineage;
  embeddingsVersion: number;
}

/**
 * The row's own fields, with the requirements merged from its documents and the version's lineage.
 * A value a property cannot hold exactly (lossless-values) gets the nearest typed value, its
 * property is named in `lossyFields` and the original kept in `rawValues`.
 */
export function opportunityProperties(
  data: OpportunityData,
  requirements: readonly string[],
  version: VersionInfo,
): OpportunityProperties {
  const lossy = new LossyFields();
  const fields = {
    title: lossy.text('title', data.title),
    description: lossy.text('description', data.description),
    agency: lossy.text('agency', data.agency),
    naicsCode: lossy.text('naicsCode', data.naicsCode),
    noticeId: lossy.text('noticeId', data.noticeId),
    solicitationNumber: lossy.text('solicitationNumber', data.solicitationNumber),
    noticeType: lossy.text('noticeType', data.noticeType),
    subAgency: lossy.text('subAgency', data.subAgency),
    office: lossy.text('office', data.office),
    classificationCode: lossy.text('classificationCode', data.classificationCode),
    setAsideType: lossy.text('setAsideType', data.setAsideType),
    status: data.status,
    placeOfPerformanceState: lossy.text('placeOfPerformanceState', data.placeOfPerformanceState),
    postedDate: lossy.date('postedDate', data.postedDate),
    responseDeadline: lossy.date('responseDeadline', data.responseDeadline),
    archiveDate: lossy.date('archiveDate', data.archiveDate),
    sourceUpdatedAt: lossy.date('sourceUpdatedAt', data.updatedAt),
    sourcePosition: version.position,
    eventId: version.lineage.eventId,
    migrationRun: version.lineage.migrationRun,
    migrationId: version.lineage.migrationId,
    correlationId: version.lineage.correlationId,
    causationId: version.lineage.causationId,
  };
  return withDerived({ ...fields, lossyFields: lossy.fields(), rawValues: lossy.rawValuesText() }, requirements, version.embeddingsVersion);
}

type SourceFields = Omit<OpportunityProperties, 'requirements' | 'contentHash' | 'embeddings_version'>;

/**
 * Recomputes what depends on requirements (used when only an opportunity's documents changed).
 * Requirements come from the documents' typed (well-formed) values; a document's exact text is
 * kept on its ContractDocument object.
 */
export function withDerived(fields: SourceFields, requirements: readonly string[], embeddingsVersion: number): OpportunityProperties {
  return {
    ...fields,
    requirements: textListValue(requirements).typed,
    embeddings_version: embeddingsVersion,
    contentHash: contentHash({ title: fields.title, description: fields.description, requirements }),
  };
}

/** Weaviate has no null: an absent property is how a null is stored. */
export function toWeaviateProperties(properties: OpportunityProperties): Record<string, WeaviateField> {
  const out: Record<string, WeaviateField> = {};
  for (const [key, value] of Object.entries(properties) as [string, OpportunityProperties[keyof OpportunityProperties]][]) {
    if (value !== null) out[key] = value;
  }
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const date = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? toMillisIso(v) : null);

/**
 * The typed value of a lossy property as the mapper derives it from the original, so that a
 * stored object reads back equal to the mapper's output (the gRPC client reads a date with
 * sub-millisecond digits as a millisecond Date; the original has them).
 */
export function typedFromRaw(original: string | string[], isDate: boolean): string | string[] {
  if (Array.isArray(original)) return textListValue(original).typed;
  return isDate ? dateValue(original).typed : textValue(original).typed;
}

const DATE_PROPERTIES = new Set(['postedDate', 'responseDeadline', 'archiveDate', 'sourceUpdatedAt']);

/** Reads a stored object back into the shape `opportunityProperties` produces. */
export function fromWeaviateProperties(stored: Record<string, unknown>): OpportunityProperties {
  const rawValues = str(stored.rawValues);
  const out = readTyped(stored);
  for (const [property, original] of Object.entries(parseRawValues(rawValues))) {
    if (property in out) (out as unknown as Record<string, unknown>)[property] = typedFromRaw(original, DATE_PROPERTIES.has(property));
  }
  return { ...out, rawValues };
}

function readTyped(raw: Record<string, unknown>): OpportunityProperties {
  return {
    title: str(raw.title) ?? '',
    description: str(raw.description),
    agency: str(raw.agency) ?? '',
    naicsCode: str(raw.naicsCode),
    requirements: Array.isArray(raw.requirements) ? raw.requirements.filter((r): r is string => typeof r === 'string') : [],
    embeddings_version: typeof raw.embeddings_version === 'number' ? raw.embeddings_version : 0,
    noticeId: str(raw.noticeId) ?? '',
    solicitationNumber: str(raw.solicitationNumber),
    noticeType: str(raw.noticeType),
    subAgency: str(raw.subAgency),
    office: str(raw.office),
    classificationCode: str(raw.classificationCode),
    setAsideType: str(raw.setAsideType),
    status: str(raw.status) ?? '',
    placeOfPerformanceState: str(raw.placeOfPerformanceState),
    postedDate: date(raw.postedDate) ?? '',
    responseDeadline: date(raw.responseDeadline) ?? '',
    archiveDate: date(raw.archiveDate),
    sourceUpdatedAt: date(raw.sourceUpdatedAt) ?? '',
    contentHash: str(raw.contentHash) ?? '',
    sourcePosition: str(raw.sourcePosition) ?? '',
    eventId: str(raw.eventId) ?? '',
    migrationRun: str(raw.migrationRun),
    migrationId: str(raw.migrationId),
    correlationId: str(raw.correlationId) ?? '',
    causationId: str(raw.causationId),
    lossyFields: Array.isArray(raw.lossyFields) ? raw.lossyFields.filter((r): r is string => typeof r === 'string') : [],
    rawValues: null,
  };
}
