import { plainProperty, textProperty, type CollectionDefinition } from './collection.types';
import { lineageProperties } from './lineage.properties';

/** Source deletes, so that an older version arriving late cannot re-create a deleted object. */
export function tombstoneCollection(name: string): CollectionDefinition {
  return {
    name,
    description: 'Deletes applied by the indexer, with the source position of the delete',
    vectorizer: { kind: 'none', dimensions: 0 },
    skipVectorIndex: true,
    vectorSourceProperties: [],
    properties: [
      textProperty('entityType', 'Aggregate type of the deleted row', { tokenization: 'field', searchable: false }),
      plainProperty('entityId', 'uuid', 'Id of the deleted row'),
      plainProperty('deletedAt', 'date', 'Timestamp of the delete event'),
      ...lineageProperties(),
    ],
  };
}
