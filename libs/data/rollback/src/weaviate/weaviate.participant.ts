import type { WeaviateClient } from 'weaviate-client';
import {
  BACKUP_BACKEND,
  allCollections,
  backupIndex,
  countObjects,
  purgeObjectsSince,
  restoreIndex,
  sourceTimeProperties,
  type IndexCollectionNames,
} from '@mch/data-weaviate-index';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import type { ParticipantPlan, RollbackParticipant } from '../rollback-participant';
import {
  ROLLBACK_PHASES,
  type RollbackAction,
  type RollbackRequest,
  type WeaviateCollectionObjects,
  type WeaviatePurgeAction,
  type WeaviateRestoreAction,
} from '../rollback.types';

/** What a restore point keeps for Weaviate: the backup id (filesystem backend) and each collection's objects. */
export interface WeaviateRestorePointState {
  backupId: string;
  collections: { collection: string; objects: number }[];
}

/**
 * Weaviate side of a rollback, over the index's three collections: to a restore point, they are
 * replaced by the point's backup (backup/restore of data-weaviate-index); to a timestamp, the objects
 * whose source time is at or after it are purged (sourceTimeProperties) and the replay from the reset
 * offsets writes them again. Objects are keyed by the source UUID, so the replay never duplicates.
 */
export class WeaviateRollback implements RollbackParticipant {
  readonly target = 'weaviate' as const;

  constructor(
    private readonly client: WeaviateClient,
    private readonly names: IndexCollectionNames,
    private readonly logger: Logger,
  ) {}

  async plan(request: RollbackRequest): Promise<ParticipantPlan> {
    const recorded = request.restorePoint?.state.weaviate as WeaviateRestorePointState | undefined;
    if (request.restorePoint && recorded === undefined) {
      return { actions: [], untouched: [`weaviate: restore point '${request.restorePoint.name}' recorded no Weaviate backup`] };
    }
    if (recorded) {
      const collections: WeaviateCollectionObjects[] = [];
      for (const { collection, objects } of recorded.collections) {
        collections.push({ collection, objectsBefore: await countObjects(this.client, collection), objectsAfter: objects });
      }
      const action: WeaviateRestoreAction = {
        kind: 'weaviate.restore-backup',
        target: 'weaviate',
        phase: ROLLBACK_PHASES.weaviate,
        summary: `replace ${collections.map((c) => c.collection).join(', ')} with backup ${recorded.backupId} (${BACKUP_BACKEND}) of restore point ${request.restorePoint?.name}`,
        details: collections.map((c) => `${c.collection}: ${c.objectsBefore} -> ${c.objectsAfter} objects`),
        backupId: recorded.backupId,
        collections,
      };
      return { actions: [action], untouched: [`weaviate: backup ${recorded.backupId} (kept for another rollback)`] };
    }
    const actions: WeaviatePurgeAction[] = [];
    const untouched: string[] = [];
    for (const { collection, property } of sourceTimeProperties(this.names)) {
      if (!(await this.client.collections.exists(collection))) {
        untouched.push(`weaviate: ${collection} (does not exist)`);
        continue;
      }
      const before = await countObjects(this.client, collection);
      const purged = await countObjects(this.client, collection, { property, at: request.to });
      actions.push({
        kind: 'weaviate.purge-since',
        target: 'weaviate',
        phase: ROLLBACK_PHASES.weaviate,
        summary: `${collection}: delete the ${purged} object(s) with ${property} at or after ${request.to.toISOString()}: ${before} -> ${before - purged} objects`,
        collection,
        property,
        since: request.to.toISOString(),
        objectsBefore: before,
        objectsAfter: before - purged,
      });
    }
    untouched.push('weaviate: objects whose source time is before the point (kept; the replay re-writes those with later events by version order)');
    return { actions, untouched };
  }

  async preflight(request: RollbackRequest): Promise<void> {
    const recorded = request.restorePoint?.state.weaviate as WeaviateRestorePointState | undefined;
    if (!recorded) return;
    const status = await this.client.backup
      .getCreateStatus({ backupId: recorded.backupId, backend: BACKUP_BACKEND })
      .catch((error: unknown) => ({ status: 'MISSING', error: String(error) }));
    if (status?.status !== 'SUCCESS') {
      throw new DomainException(ErrorCode.PreconditionFailed, `weaviate backup ${recorded.backupId} of restore point '${request.restorePoint?.name}' is not usable (${status?.status})`, {
        field: 'to',
        id: request.restorePoint?.name,
      });
    }
  }

  /** Purge repeats as a no-op; restore deletes the collections and restores the backup again. */
  async apply(action: RollbackAction): Promise<void> {
    if (action.kind === 'weaviate.purge-since') {
      const purge = action as WeaviatePurgeAction;
      await purgeObjectsSince(this.client, purge.collection, purge.property, new Date(purge.since));
    } else if (action.kind === 'weaviate.restore-backup') {
      // restoreIndex warns when it deletes the live collections; here that is the planned, recorded step.
      const logger: Logger = { ...this.logger, warn: (message, fields) => this.logger.info(message, fields), child: (f) => this.logger.child(f) };
      await restoreIndex(this.client, this.names, (action as WeaviateRestoreAction).backupId, { replace: true }, logger);
    } else {
      throw new Error(`weaviate rollback cannot apply '${action.kind}'`);
    }
  }

  /** A backup of the index's collections; the id carries the time, so a failed earlier attempt never collides. */
  async mark(name: string, takenAt: Date): Promise<WeaviateRestorePointState> {
    const backupId = `rp-${name}-${takenAt.getTime().toString(36)}`;
    const collections: WeaviateRestorePointState['collections'] = [];
    for (const collection of allCollections(this.names)) collections.push({ collection, objects: await countObjects(this.client, collection) });
    await backupIndex(this.client, this.names, backupId, this.logger);
    return { backupId, collections };
  }
}
