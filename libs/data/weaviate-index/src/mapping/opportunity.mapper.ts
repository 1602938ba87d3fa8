import type { WeaviateField } from 'weaviate-client';
import type { OpportunityData } from '@mch/contracts';
import { contentHash } from '../vectors/content-hash';
import type { Lineage } from './index-event';

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

/** The row's own fields, with the requirements merged from its documents and the version's lineage. */
export function opportunityProperties(
  data: OpportunityData,
  requirements: readonly string[],
  version: VersionInfo,
): OpportunityProperties {
  return withDerived(
    {
      title: data.title,
      description: data.description,
      agency: data.agency,
      naicsCode: data.naicsCode,
      noticeId: data.noticeId,
      solicitationNumber: data.solicitationNumber,
      noticeType: data.noticeType,
      subAgency: data.subAgency,
      office: data.office,
      classificationCode: data.classificationCode,
      setAsideType: data.setAsideType,
      status: data.status,
      placeOfPerformanceState: data.placeOfPerformanceState,
      postedDate: toMillisIso(data.postedDate),
      responseDeadline: toMillisIso(data.responseDeadline),
      archiveDate: data.archiveDate === null ? null : toMillisIso(data.archiveDate),
      sourceUpdatedAt: toMillisIso(data.updatedAt),
      sourcePosition: version.position,
      eventId: version.lineage.eventId,
      migrationRun: version.lineage.migrationRun,
      migrationId: version.lineage.migrationId,
      correlationId: version.lineage.correlationId,
    },
    requirements,
    version.embeddingsVersion,
  );
}

type SourceFields = Omit<OpportunityProperties, 'requirements' | 'contentHash' | 'embeddings_version'>;

/** Recomputes what depends on requirements (used when only an opportunity's documents changed). */
export function withDerived(fields: SourceFields, requirements: readonly string[], embeddingsVersion: number): OpportunityProperties {
  return {
    ...fields,
    requirements: [...requirements],
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

/** Reads a stored object back into the shape `opportunityProperties` produces. */
export function fromWeaviateProperties(raw: Record<string, unknown>): OpportunityProperties {
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
  };
}
