import { z } from 'zod';
import { EVENT_DECIMAL, isEventTimestamp } from './exact-values';

export { EVENT_DECIMAL, isEventTimestamp } from './exact-values';

/**
 * The `data` of each migrated entity's events: the monolith row mapped to camelCase, with the
 * fields the plan's consumers need derived (noticeType from the SAM.gov record, requirements from
 * a document's extraction). Amounts stay decimal strings (numeric(15,2) must not pass through a
 * float; NaN and ±Infinity as PostgreSQL names them); timestamps are ISO-8601 with microseconds
 * kept, expanded years and ±infinity (exact-values.ts); ids are UUIDs. A delete event carries
 * `data: null`.
 */
const uuid = z.uuid();
const ts = z.string().refine(isEventTimestamp, 'an ISO-8601 timestamp (expanded years allowed) or infinity/-infinity');
const decimal = z.string().regex(EVENT_DECIMAL, 'a decimal number, NaN, Infinity or -Infinity');
const text = z.string();

export const opportunityDataSchema = z.object({
  id: uuid,
  noticeId: text,
  title: text,
  description: text.nullable(),
  agency: text,
  subAgency: text.nullable(),
  office: text.nullable(),
  noticeType: text.nullable(),
  baseType: text.nullable(),
  naicsCode: text.nullable(),
  naicsDescription: text.nullable(),
  setAsideType: text.nullable(),
  contractType: text.nullable(),
  classificationCode: text.nullable(),
  status: z.enum(['active', 'awarded', 'cancelled', 'expired']),
  solicitationNumber: text.nullable(),
  postedDate: ts,
  responseDeadline: ts,
  archiveDate: ts.nullable(),
  awardDate: ts.nullable(),
  awardAmount: decimal.nullable(),
  estimatedValueMin: decimal.nullable(),
  estimatedValueMax: decimal.nullable(),
  awardeeName: text.nullable(),
  placeOfPerformanceState: text.nullable(),
  placeOfPerformanceCity: text.nullable(),
  primaryContactName: text.nullable(),
  primaryContactEmail: text.nullable(),
  samUrl: text.nullable(),
  syncVersion: z.number().int().nullable(),
  createdAt: ts,
  updatedAt: ts,
});

export const proposalDataSchema = z.object({
  id: uuid,
  opportunityId: uuid,
  companyId: uuid,
  createdBy: uuid,
  title: text,
  status: z.enum(['draft', 'submitted', 'under_review', 'awarded', 'rejected', 'withdrawn']),
  solicitationNumber: text.nullable(),
  submissionDeadline: ts.nullable(),
  submittedAt: ts.nullable(),
  totalProposedPrice: decimal.nullable(),
  winProbability: decimal.nullable(),
  aiGenerated: z.boolean().nullable(),
  versionNumber: z.number().int().nullable(),
  tags: z.array(text).nullable(),
  createdAt: ts,
  updatedAt: ts,
});

export const contractDocumentDataSchema = z.object({
  id: uuid,
  opportunityId: uuid,
  companyId: uuid,
  noticeId: text.nullable(),
  fileName: text,
  fileType: text,
  fileSize: z.number().int().nullable(),
  ocrStatus: z.enum(['pending', 'processing', 'completed', 'failed']),
  /** Requirement sentences from `extracted_requirements`, in document order. */
  requirements: z.array(text),
  processedAt: ts.nullable(),
  createdAt: ts.nullable(),
  updatedAt: ts.nullable(),
});

export const companyDataSchema = z.object({
  id: uuid,
  name: text,
  dunsNumber: text.nullable(),
  cageCode: text.nullable(),
  city: text.nullable(),
  state: text.nullable(),
  certifications: z.array(text).nullable(),
  naicsCodes: z.array(text).nullable(),
  subscriptionPlan: z.enum(['starter', 'pro', 'enterprise']).nullable(),
  samRegistrationDate: ts.nullable(),
  samExpirationDate: ts.nullable(),
  createdAt: ts,
  updatedAt: ts,
});

export const usageRecordDataSchema = z.object({
  id: uuid,
  userId: uuid,
  subscriptionId: uuid.nullable(),
  feature: text,
  quantity: z.number().int(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  createdAt: ts.nullable(),
});

export type OpportunityData = z.infer<typeof opportunityDataSchema>;
export type ProposalData = z.infer<typeof proposalDataSchema>;
export type ContractDocumentData = z.infer<typeof contractDocumentDataSchema>;
export type CompanyData = z.infer<typeof companyDataSchema>;
export type UsageRecordData = z.infer<typeof usageRecordDataSchema>;
