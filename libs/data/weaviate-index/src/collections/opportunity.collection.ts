import { plainProperty, textProperty, type CollectionDefinition, type VectorizerSettings } from './collection.types';
import { lossyValueProperties } from './lineage.properties';

/** Text that feeds the vector, in this order; the content hash covers the same text. */
export const OPPORTUNITY_VECTOR_SOURCES = ['title', 'description', 'requirements'] as const;

/**
 * The plan's `Opportunity` class as a v3 collection: its six properties (agency and naicsCode as
 * `text` with `field` tokenization instead of the deprecated `string`), plus what search filters
 * on and what lineage needs to order versions and undo a migration run.
 */
export function opportunityCollection(name: string, vectorizer: VectorizerSettings): CollectionDefinition {
  return {
    name,
    description: 'Federal contracting opportunity (SAM.gov notice) from the MedContractHub monolith',
    vectorizer,
    skipVectorIndex: false,
    vectorSourceProperties: [...OPPORTUNITY_VECTOR_SOURCES],
    properties: [
      // Prose is found by BM25 and the vector, never filtered on a whole word: no filter index.
      textProperty('title', 'Opportunity title', { filterable: false }),
      textProperty('description', 'Full description', { filterable: false }),
      textProperty('agency', 'Contracting agency, matched as a whole', { tokenization: 'field' }),
      textProperty('naicsCode', 'NAICS code', { tokenization: 'field' }),
      textProperty('requirements', 'Requirements extracted from its contract documents', { array: true }),
      plainProperty('embeddings_version', 'int', 'Version of the embedding that produced the vector'),
      // Codes and names are filtered as a whole, not ranked: no BM25 index (agency and NAICS keep
      // theirs, the plan searched them). Each index is one more bucket written per object.
      textProperty('noticeId', 'SAM.gov notice id', { tokenization: 'field', searchable: false }),
      textProperty('solicitationNumber', 'Solicitation number', { tokenization: 'field', searchable: false }),
      textProperty('noticeType', 'SAM.gov notice type', { tokenization: 'field', searchable: false }),
      textProperty('subAgency', 'Sub-agency', { tokenization: 'field', searchable: false }),
      textProperty('office', 'Contracting office', { tokenization: 'field', searchable: false }),
      textProperty('classificationCode', 'Product/service code', { tokenization: 'field', searchable: false }),
      textProperty('setAsideType', 'Set-aside code (SBA, 8A, SDVOSBC, ...)', { tokenization: 'field', searchable: false }),
      textProperty('status', 'active, awarded, cancelled or expired', { tokenization: 'field', searchable: false }),
      textProperty('placeOfPerformanceState', 'Place of performance state', { tokenization: 'field', searchable: false }),
      plainProperty('postedDate', 'date', 'Posted on SAM.gov', { rangeFilters: true }),
      plainProperty('responseDeadline', 'date', 'Response deadline', { rangeFilters: true }),
      plainProperty('archiveDate', 'date', 'Archive date'),
      plainProperty('sourceUpdatedAt', 'date', 'updated_at of the source row'),
      textProperty('contentHash', 'SHA-256 of the text feeding the vector', { tokenization: 'field', searchable: false }),
      textProperty('sourcePosition', 'Position of the source version written (lsn:/seq:, text order = position order)', {
        tokenization: 'field',
        searchable: false,
      }),
      plainProperty('eventId', 'uuid', 'Event that wrote this version'),
      textProperty('migrationRun', 'Migration run that wrote this version', { tokenization: 'field', searchable: false }),
      plainProperty('migrationId', 'uuid', 'Migration id that wrote this version'),
      plainProperty('correlationId', 'uuid', 'Correlation id of that event'),
      plainProperty('causationId', 'uuid', 'Causation id of that event, absent when none'),
      ...lossyValueProperties(),
    ],
  };
}
