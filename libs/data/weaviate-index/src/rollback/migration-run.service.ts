import type { WeaviateClient } from 'weaviate-client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { allCollections, type IndexCollectionNames } from '../collections/index-collections';
import { isUuid } from '../collections/uuid-v5';

/** One run, named either way the envelopes name it (metadata.migrationRun or metadata.migrationId). */
export type MigrationRunSelector = { migrationRun: string } | { migrationId: string };

export interface RunDeletion {
  collection: string;
  /** Objects matched (dry run) or deleted. */
  objects: number;
}

function filterOf(client: WeaviateClient, name: string, selector: MigrationRunSelector) {
  const collection = client.collections.use(name);
  return 'migrationRun' in selector
    ? collection.filter.byProperty('migrationRun').equal(selector.migrationRun)
    : collection.filter.byProperty('migrationId').equal(selector.migrationId);
}

function describe(selector: MigrationRunSelector): string {
  return 'migrationRun' in selector ? `migrationRun ${selector.migrationRun}` : `migrationId ${selector.migrationId}`;
}

/**
 * Deletes every object whose current version was written by one migration run, in all index
 * collections. Weaviate deletes at most QUERY_MAXIMUM_RESULTS objects per call, so each
 * collection is deleted from until nothing matches. With `dryRun` it only counts.
 */
export async function deleteMigrationRun(
  client: WeaviateClient,
  names: IndexCollectionNames,
  selector: MigrationRunSelector,
  options: { dryRun: boolean },
  logger: Logger,
): Promise<RunDeletion[]> {
  const value = 'migrationRun' in selector ? selector.migrationRun : selector.migrationId;
  if (!value || ('migrationId' in selector && !isUuid(selector.migrationId))) {
    throw new DomainException(ErrorCode.ValidationFailed, `delete-run needs a migration run name or a migration id (UUID), got '${value}'`, {
      entity: 'migration_run',
      id: value,
      field: 'migrationRun' in selector ? 'migrationRun' : 'migrationId',
    });
  }
  const out: RunDeletion[] = [];
  for (const name of allCollections(names)) {
    if (!(await client.collections.exists(name))) continue;
    const collection = client.collections.use(name);
    if (options.dryRun) {
      const counted = await collection.aggregate.overAll({ filters: filterOf(client, name, selector) });
      out.push({ collection: name, objects: counted.totalCount });
      continue;
    }
    let deleted = 0;
    for (;;) {
      const result = await collection.data.deleteMany(filterOf(client, name, selector));
      if (result.failed > 0) {
        throw new DomainException(ErrorCode.StoreUnavailable, `weaviate ${name}: ${result.failed} deletes of ${describe(selector)} failed`, {
          entity: name,
          id: value,
        });
      }
      if (result.matches === 0) break;
      if (result.successful === 0) {
        throw new DomainException(ErrorCode.StoreUnavailable, `weaviate ${name}: ${result.matches} objects of ${describe(selector)} match but none was deleted`, {
          entity: name,
          id: value,
        });
      }
      deleted += result.successful;
    }
    out.push({ collection: name, objects: deleted });
  }
  logger.info(options.dryRun ? 'migration run counted' : 'migration run deleted', { run: describe(selector), collections: out });
  return out;
}
