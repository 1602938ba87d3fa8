import type { WeaviateClient } from 'weaviate-client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { collectionCreateConfig, propertyConfigCreate, VECTOR_NAME } from './collection-config';
import { compareDefinition } from './collection-drift';
import type { CollectionDefinition } from './collection.types';

export interface EnsureResult {
  name: string;
  status: 'created' | 'unchanged' | 'updated';
  /** What was done to an existing collection (properties added). */
  changes: string[];
}

/**
 * Creates the collection if it does not exist; otherwise compares it with the definition.
 * Missing properties are added (additive and safe for existing objects); any other difference
 * fails with every difference listed, because silently writing into a collection of another
 * shape (other tokenization, other vectorizer) corrupts search without any error.
 */
export async function ensureCollection(
  client: WeaviateClient,
  definition: CollectionDefinition,
  logger: Logger,
): Promise<EnsureResult> {
  if (!(await client.collections.exists(definition.name))) {
    try {
      await client.collections.create(collectionCreateConfig(definition));
      logger.info('weaviate collection created', { collection: definition.name, vectorizer: definition.vectorizer.kind });
      return { name: definition.name, status: 'created', changes: [] };
    } catch (error) {
      // Another replica may have created it between our check and our create; compare instead.
      if (!(await client.collections.exists(definition.name))) throw error;
    }
  }
  const collection = client.collections.use(definition.name);
  const drift = compareDefinition(definition, await collection.config.get());
  const conflicts = [...drift.conflicts, ...(await dimensionConflicts(client, definition))];
  if (conflicts.length > 0) {
    throw new DomainException(
      ErrorCode.PreconditionFailed,
      `weaviate collection ${definition.name} differs from its definition: ${conflicts.join('; ')}. ` +
        'Index into a new collection (another WEAVIATE_COLLECTION_PREFIX) and switch over, or delete it and re-index.',
      { entity: 'weaviate_collection', id: definition.name, differences: conflicts },
    );
  }
  const changes: string[] = [];
  for (const property of drift.missing) {
    await collection.config.addProperty(propertyConfigCreate(property));
    changes.push(`added property ${property.name} (${property.dataType})`);
  }
  if (changes.length > 0) logger.warn('weaviate collection updated', { collection: definition.name, changes });
  return { name: definition.name, status: changes.length > 0 ? 'updated' : 'unchanged', changes };
}

/** With self-provided vectors the server infers the length from the first object; check it. */
async function dimensionConflicts(client: WeaviateClient, definition: CollectionDefinition): Promise<string[]> {
  if (definition.vectorizer.kind !== 'none' || definition.skipVectorIndex) return [];
  const sample = await client.collections.use(definition.name).query.fetchObjects({ limit: 1, includeVector: true, returnProperties: [] });
  const vector = sample.objects[0]?.vectors[VECTOR_NAME];
  if (!Array.isArray(vector) || vector.length === 0 || vector.length === definition.vectorizer.dimensions) return [];
  return [`stored vectors have ${vector.length} dimensions, configured ${definition.vectorizer.dimensions}`];
}

export async function ensureCollections(
  client: WeaviateClient,
  definitions: readonly CollectionDefinition[],
  logger: Logger,
): Promise<EnsureResult[]> {
  const results: EnsureResult[] = [];
  for (const definition of definitions) results.push(await ensureCollection(client, definition, logger));
  return results;
}
