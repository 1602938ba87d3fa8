import { plainProperty, textProperty, type CollectionDefinition } from './collection.types';
import { lineageProperties, lossyValueProperties } from './lineage.properties';

/**
 * Requirement sources. Documents arrive on their own topic, possibly before their opportunity,
 * and can change or disappear; keeping each one (with its source position) lets the indexer
 * rebuild an opportunity's `requirements` from whatever documents exist, in any arrival order.
 * No vectors: nothing searches this collection by similarity.
 */
export function contractDocumentCollection(name: string): CollectionDefinition {
  return {
    name,
    description: 'Contract document requirement sources, merged into Opportunity.requirements',
    vectorizer: { kind: 'none', dimensions: 0 },
    skipVectorIndex: true,
    vectorSourceProperties: [],
    properties: [
      plainProperty('documentId', 'uuid', 'contract_documents.id'),
      plainProperty('opportunityId', 'uuid', 'Opportunity the document belongs to'),
      textProperty('fileName', 'File name', { tokenization: 'field', searchable: false }),
      textProperty('requirements', 'Requirements extracted from the document, in document order', {
        array: true,
        searchable: false,
      }),
      plainProperty('documentCreatedAt', 'date', 'created_at of the source row (merge order)'),
      ...lossyValueProperties(),
      ...lineageProperties(),
    ],
  };
}
