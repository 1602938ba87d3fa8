import type { WeaviateClient } from 'weaviate-client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { IndexCollectionNames } from '../collections/index-collections';

/**
 * The date property of each index collection that says when its current version's source change
 * happened: an object whose value is at or after a point was written by an event made at or after
 * it (events are built after the change), which a Kafka reset to that point re-delivers.
 */
export function sourceTimeProperties(names: IndexCollectionNames): { collection: string; property: string }[] {
  return [
    { collection: names.opportunity, property: 'sourceUpdatedAt' },
    { collection: names.contractDocument, property: 'documentCreatedAt' },
    { collection: names.tombstone, property: 'deletedAt' },
  ];
}

export async function countObjects(client: WeaviateClient, collection: string, since?: { property: string; at: Date }): Promise<number> {
  if (!(await client.collections.exists(collection))) return 0;
  const handle = client.collections.use(collection);
  const filters = since ? handle.filter.byProperty(since.property).greaterOrEqual(since.at) : undefined;
  return (await handle.aggregate.overAll(filters ? { filters } : {})).totalCount;
}

/**
 * Deletes the collection's objects whose `property` is at or after `at`. Weaviate deletes at most
 * QUERY_MAXIMUM_RESULTS per call, so it repeats until nothing matches; idempotent.
 */
export async function purgeObjectsSince(client: WeaviateClient, collection: string, property: string, at: Date): Promise<number> {
  if (!(await client.collections.exists(collection))) return 0;
  const handle = client.collections.use(collection);
  let deleted = 0;
  for (;;) {
    const result = await handle.data.deleteMany(handle.filter.byProperty(property).greaterOrEqual(at));
    if (result.failed > 0) {
      throw new DomainException(ErrorCode.StoreUnavailable, `weaviate ${collection}: ${result.failed} deletes of objects with ${property} >= ${at.toISOString()} failed`, {
        entity: collection,
      });
    }
    if (result.matches === 0) return deleted;
    if (result.successful === 0) {
      throw new DomainException(ErrorCode.StoreUnavailable, `weaviate ${collection}: ${result.matches} objects match ${property} >= ${at.toISOString()} but none was deleted`, {
        entity: collection,
      });
    }
    deleted += result.successful;
  }
}
