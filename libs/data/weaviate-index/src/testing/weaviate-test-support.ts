import { randomBytes } from 'node:crypto';
import type { WeaviateClient } from 'weaviate-client';
import { createLogger, type Logger } from '@mch/util-logger';
import { allCollections, indexCollectionNames, type IndexCollectionNames } from '../collections/index-collections';
import { fromWeaviateProperties, type OpportunityProperties } from '../mapping/opportunity.mapper';

export const quietLogger = (): Logger => createLogger({ service: 'weaviate-index-test', level: 'error', sink: () => undefined });

/** Collection names no other test run uses (Weaviate class names: upper-case first, alphanumeric). */
export function uniqueIndexNames(label: string): IndexCollectionNames {
  return indexCollectionNames(`It${label}${randomBytes(4).toString('hex')}`);
}

export async function dropIndex(client: WeaviateClient, names: IndexCollectionNames): Promise<void> {
  for (const name of allCollections(names)) await client.collections.delete(name).catch(() => undefined);
}

export async function countObjects(client: WeaviateClient, collection: string): Promise<number> {
  return (await client.collections.use(collection).aggregate.overAll()).totalCount;
}

/**
 * Every object of a collection (id -> properties as the mapper produces them), paged with the
 * `after` cursor (the client's iterator() is far slower: it pages 100 objects at a time).
 */
export async function readOpportunities(client: WeaviateClient, collection: string): Promise<Map<string, OpportunityProperties>> {
  const out = new Map<string, OpportunityProperties>();
  const c = client.collections.use(collection);
  let after: string | undefined;
  for (;;) {
    const page = await c.query.fetchObjects({ limit: 2_000, ...(after ? { after } : {}) });
    for (const object of page.objects) out.set(object.uuid, fromWeaviateProperties(object.properties as Record<string, unknown>));
    if (page.objects.length < 2_000) return out;
    after = page.objects[page.objects.length - 1].uuid;
  }
}

export async function readVector(client: WeaviateClient, collection: string, id: string): Promise<number[] | undefined> {
  const object = await client.collections.use(collection).query.fetchObjectById(id, { includeVector: true });
  const vector = object?.vectors.default;
  return Array.isArray(vector) && typeof vector[0] === 'number' ? (vector as number[]) : undefined;
}
