import type { WeaviateClient } from 'weaviate-client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { allCollections, type IndexCollectionNames } from '../collections/index-collections';

/** The module enabled on the server (ENABLE_MODULES=backup-filesystem, BACKUP_FILESYSTEM_PATH). */
export const BACKUP_BACKEND = 'filesystem';
const BACKUP_ID = /^[a-z0-9_-]{1,128}$/;

export interface BackupOutcome {
  backupId: string;
  collections: string[];
  path: string;
  status: string;
}

function checkBackupId(backupId: string): void {
  if (!BACKUP_ID.test(backupId)) {
    throw new DomainException(ErrorCode.ValidationFailed, `backup id '${backupId}' must be 1-128 characters of a-z, 0-9, _ and -`, {
      entity: 'weaviate_backup',
      id: backupId,
      field: 'backupId',
    });
  }
}

function failed(operation: string, backupId: string, detail: string): DomainException {
  return new DomainException(ErrorCode.StoreUnavailable, `weaviate ${operation} ${backupId} failed: ${detail}`, {
    entity: 'weaviate_backup',
    id: backupId,
  });
}

/** Backs up the index's collections (all three: requirement sources and tombstones are index state too). */
export async function backupIndex(
  client: WeaviateClient,
  names: IndexCollectionNames,
  backupId: string,
  logger: Logger,
): Promise<BackupOutcome> {
  checkBackupId(backupId);
  const collections = allCollections(names);
  const missing: string[] = [];
  for (const name of collections) if (!(await client.collections.exists(name))) missing.push(name);
  if (missing.length > 0) {
    throw new DomainException(ErrorCode.PreconditionFailed, `cannot back up: collections ${missing.join(', ')} do not exist`, {
      entity: 'weaviate_backup',
      id: backupId,
    });
  }
  const result = await client.backup.create({ backupId, backend: BACKUP_BACKEND, includeCollections: collections, waitForCompletion: true });
  if (result.status !== 'SUCCESS') throw failed('backup', backupId, result.error ?? result.status);
  logger.info('weaviate backup created', { backupId, collections, path: result.path });
  return { backupId, collections, path: result.path, status: result.status };
}

/**
 * Restores the index's collections from a backup. Weaviate refuses to restore over an existing
 * collection, so with `replace` the current ones are deleted first (this is a rollback: the
 * backup is the state wanted); without it, existing collections are an error naming them.
 */
export async function restoreIndex(
  client: WeaviateClient,
  names: IndexCollectionNames,
  backupId: string,
  options: { replace: boolean },
  logger: Logger,
): Promise<BackupOutcome> {
  checkBackupId(backupId);
  const collections = allCollections(names);
  const existing: string[] = [];
  for (const name of collections) if (await client.collections.exists(name)) existing.push(name);
  if (existing.length > 0 && !options.replace) {
    throw new DomainException(
      ErrorCode.PreconditionFailed,
      `cannot restore ${backupId}: collections ${existing.join(', ')} exist; pass replace (--replace) to delete them first`,
      { entity: 'weaviate_backup', id: backupId },
    );
  }
  for (const name of existing) {
    await client.collections.delete(name);
    logger.warn('weaviate collection deleted before restore', { collection: name, backupId });
  }
  const result = await client.backup.restore({ backupId, backend: BACKUP_BACKEND, includeCollections: collections, waitForCompletion: true });
  if (result.status !== 'SUCCESS') throw failed('restore', backupId, result.error ?? result.status);
  logger.info('weaviate backup restored', { backupId, collections });
  return { backupId, collections, path: result.path, status: result.status };
}
