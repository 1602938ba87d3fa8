import type { WeaviateClient } from 'weaviate-client';
import type { Logger } from '@mch/util-logger';
import type { CollectionDefinition, VectorizerSettings } from './collections/collection.types';
import { contractDocumentCollection } from './collections/contract-document.collection';
import { ensureCollections, type EnsureResult } from './collections/ensure-collections.service';
import type { IndexCollectionNames } from './collections/index-collections';
import { opportunityCollection } from './collections/opportunity.collection';
import { tombstoneCollection } from './collections/tombstone.collection';

/** The index's three collections, in creation order. */
export function indexDefinitions(names: IndexCollectionNames, vectorizer: VectorizerSettings): CollectionDefinition[] {
  return [opportunityCollection(names.opportunity, vectorizer), contractDocumentCollection(names.contractDocument), tombstoneCollection(names.tombstone)];
}

export function ensureIndex(
  client: WeaviateClient,
  names: IndexCollectionNames,
  vectorizer: VectorizerSettings,
  logger: Logger,
): Promise<EnsureResult[]> {
  return ensureCollections(client, indexDefinitions(names, vectorizer), logger);
}
