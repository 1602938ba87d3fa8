import { DomainException, ErrorCode } from '@mch/util-errors';

/** Why the run's slot can no longer deliver its changes. */
export type SlotLossReason = 'missing' | 'invalidated';

/** A stretch of changes capture did not see: recorded on the run until a re-snapshot closes it. */
export interface SlotGap {
  slot: string;
  run: string;
  reason: SlotLossReason;
  detectedAt: string;
  /** Where the lost slot had confirmed to (changes after it were not published), when known. */
  lastConfirmedLsn: string | null;
  /** Set while a re-snapshot is recovering the gap. */
  recovery?: { startedAt: string; owner: string; slotStartLsn: string };
}

/** What pg_replication_slots says of the slot: absent, or its wal_status. */
export interface SlotState {
  exists: boolean;
  walStatus: string | null;
}

/**
 * missing: no row (dropped by someone); invalidated: wal_status 'lost' (max_slot_wal_keep_size
 * exceeded, the WAL it needed is removed). 'unreserved' still works (it may still be saved), so it
 * is not a loss yet; null for a healthy slot.
 */
export function slotLoss(state: SlotState): SlotLossReason | null {
  if (!state.exists) return 'missing';
  return state.walStatus === 'lost' ? 'invalidated' : null;
}

export const RESNAPSHOT_COMMAND = 'kafka-migrator resnapshot';

/**
 * Capture stopped because the run's slot was lost: the changes in between are not in Kafka. Never
 * retried (re-creating the slot would skip them); the way out is the re-snapshot.
 */
export class ReplicationSlotLostError extends DomainException {
  constructor(readonly gap: SlotGap) {
    const what =
      gap.reason === 'missing'
        ? 'was dropped after this run created it'
        : "was invalidated by PostgreSQL (wal_status 'lost': max_slot_wal_keep_size exceeded, the WAL it needed is gone)";
    super(
      ErrorCode.PreconditionFailed,
      `replication slot ${gap.slot} of migration run ${gap.run} ${what}; changes after ${gap.lastConfirmedLsn ?? 'its last confirmed position'} ` +
        `were not captured. Change capture is stopped and the gap is recorded on data_migration_state '${gap.run}:capture'. ` +
        `Recover with '${RESNAPSHOT_COMMAND}' (re-creates the slot and re-snapshots the run's tables while the monolith writes; docs/kafka-migrator.md).`,
      {
        entity: 'pg_replication_slots',
        id: gap.slot,
        field: 'slot_name',
        reason: gap.reason,
        run: gap.run,
        action: RESNAPSHOT_COMMAND,
      },
    );
    this.name = 'ReplicationSlotLostError';
  }
}
