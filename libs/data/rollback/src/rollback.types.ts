/** What a rollback can act on; only `kafka` is implemented in this version (see README). */
export const ROLLBACK_TARGETS = ['kafka'] as const;
export type RollbackTarget = (typeof ROLLBACK_TARGETS)[number];

/** One partition's committed offset before the rollback and the offset it is reset to. */
export interface PartitionOffsetChange {
  partition: number;
  /** The group's committed offset now; null when the group has none for this partition. */
  before: string | null;
  /** The first offset whose timestamp is at or after the point; the end offset when there is none. */
  after: string;
}

/** Reset one consumer group's offsets on one topic to the rollback point. */
export interface KafkaResetGroupOffsetsAction {
  kind: 'kafka.reset-group-offsets';
  groupId: string;
  topic: string;
  partitions: PartitionOffsetChange[];
}

export type RollbackAction = KafkaResetGroupOffsetsAction;

export interface RollbackRequest {
  /** The point to return to (epoch milliseconds come from a validated ISO timestamp). */
  to: Date;
  /** Consumer groups to reset; required: a rollback never guesses which consumers to rewind. */
  groups: string[];
  targets: RollbackTarget[];
}

/** The ordered actions a rollback takes; `apply` executes exactly these, in this order. */
export interface RollbackPlan {
  to: string;
  targets: RollbackTarget[];
  groups: string[];
  actions: RollbackAction[];
  /** What this plan deliberately leaves alone, so an operator sees it before applying. */
  untouched: string[];
}
