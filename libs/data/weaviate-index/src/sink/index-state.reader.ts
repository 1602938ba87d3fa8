import type { Collection } from 'weaviate-client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { VECTOR_NAME } from '../collections/collection-config';

/** Weaviate's default QUERY_MAXIMUM_RESULTS: no query returns more objects than this. */
export const MAX_QUERY_RESULTS = 10_000;
const IDS_PER_QUERY = 1_000;

export interface StoredObject {
  properties: Record<string, unknown>;
  vector?: number[];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Objects by id (absent ids are simply missing from the map), in queries of 1000 ids. */
export async function fetchByIds(
  collection: Collection,
  ids: readonly string[],
  options: { returnProperties?: string[]; includeVector?: boolean } = {},
): Promise<Map<string, StoredObject>> {
  const out = new Map<string, StoredObject>();
  for (const group of chunks([...new Set(ids)], IDS_PER_QUERY)) {
    const result = await collection.query.fetchObjects({
      filters: collection.filter.byId().containsAny(group),
      limit: group.length,
      ...(options.returnProperties ? { returnProperties: options.returnProperties } : {}),
      includeVector: options.includeVector ?? false,
    });
    for (const object of result.objects) {
      const vector = object.vectors[VECTOR_NAME];
      out.set(object.uuid, {
        properties: object.properties as Record<string, unknown>,
        ...(Array.isArray(vector) && typeof vector[0] === 'number' ? { vector: vector as number[] } : {}),
      });
    }
  }
  return out;
}

/**
 * Objects whose `property` (a uuid) is one of `values`. A query returns at most
 * MAX_QUERY_RESULTS objects, so a full answer splits the values and asks again.
 */
export async function fetchByPropertyIn(
  collection: Collection,
  property: string,
  values: readonly string[],
  returnProperties: string[],
): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  const ask = async (group: string[]): Promise<void> => {
    const result = await collection.query.fetchObjects({
      filters: collection.filter.byProperty(property).containsAny(group),
      limit: MAX_QUERY_RESULTS,
      returnProperties,
    });
    if (result.objects.length < MAX_QUERY_RESULTS) {
      for (const object of result.objects) out.push({ properties: object.properties as Record<string, unknown> });
      return;
    }
    if (group.length === 1) {
      throw new DomainException(
        ErrorCode.UnsupportedByStore,
        `${collection.name}: more than ${MAX_QUERY_RESULTS} objects have ${property} = ${group[0]}`,
        { entity: collection.name, id: group[0], field: property },
      );
    }
    await ask(group.slice(0, group.length / 2));
    await ask(group.slice(group.length / 2));
  };
  for (const group of chunks([...new Set(values)], IDS_PER_QUERY)) await ask(group);
  return out;
}

/**
 * Deletes objects by id; any per-object failure throws (the batch is retried, nothing committed).
 * Not `verbose`: weaviate-client 3.14 re-validates every returned id while deserialising a
 * verbose answer, and was seen to throw "Stringified UUID is invalid" there under load; the
 * counts are all that is needed.
 */
export async function deleteByIds(collection: Collection, ids: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const group of chunks([...new Set(ids)], IDS_PER_QUERY)) {
    const result = await collection.data.deleteMany(collection.filter.byId().containsAny(group));
    if (result.failed > 0) {
      throw new DomainException(ErrorCode.StoreUnavailable, `weaviate ${collection.name}: ${result.failed} of ${group.length} deletes failed`, {
        entity: collection.name,
      });
    }
    deleted += result.successful;
  }
  return deleted;
}
