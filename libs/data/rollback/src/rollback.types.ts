/**
 * What a rollback can act on. A target without a registered participant (see rollback-participant.ts)
 * is refused by the CLI naming the field; the plan lists every target it leaves alone.
 */
export const ROLLBACK_TARGETS = ['kubernetes', 'kafka', 'clickhouse', 'weaviate', 'checkpoints'] as const;
export type RollbackTarget = (typeof ROLLBACK_TARGETS)[number];

/**
 * The "rollback all" order every plan follows (actions are sorted by phase, stable within one):
 * consumers are stopped before anything is rewound, stores before the migrator's checkpoints,
 * stores before images, and consumers resume last.
 */
export const ROLLBACK_PHASES = {
  suspendConsumers: 10,
  kafkaOffsets: 20,
  clickhouse: 30,
  weaviate: 40,
  checkpoints: 50,
  images: 60,
  resumeConsumers: 70,
} as const;

/** Fields every recorded action carries; a participant adds its own fields (JSON-serialisable). */
export interface RollbackActionBase {
  kind: string;
  target: RollbackTarget;
  phase: number;
  /** One line saying what the action changes, for the table and the logs. */
  summary: string;
  /** Extra lines for the table (e.g. one per partition: before -> after). */
  details?: string[];
}

/** One partition's committed offset before the rollback and the offset it is reset to. */
export interface PartitionOffsetChange {
  partition: number;
  /** The group's committed offset now; null when the group has none for this partition. */
  before: string | null;
  /** The first offset whose timestamp is at or after the point; the end offset when there is none. */
  after: string;
}

/** Reset one consumer group's offsets on one topic to the rollback point. */
export interface KafkaResetGroupOffsetsAction extends RollbackActionBase {
  kind: 'kafka.reset-group-offsets';
  target: 'kafka';
  groupId: string;
  topic: string;
  partitions: PartitionOffsetChange[];
}

/**
 * Any participant's action as the planner, the run table and the executor see it; `kind` tells the
 * participant of `target` which of its action types (an interface extending this) it is.
 */
export type RollbackAction = RollbackActionBase;

/** A named restore point (`rollback mark <name>`): what each participant recorded at one instant. */
export interface RestorePoint {
  name: string;
  /** When it was taken; a rollback to the point uses this instant for time-based targets (offsets). */
  takenAt: string;
  /** Per target, the JSON its participant's `mark` returned (offsets, snapshot names, backup ids, images...). */
  state: Partial<Record<RollbackTarget, unknown>>;
}

export interface RollbackRequest {
  /** The point to return to (epoch milliseconds come from a validated ISO timestamp, or the restore point's takenAt). */
  to: Date;
  /** Set when `--to` named a restore point: participants restore what they recorded instead of computing it. */
  restorePoint?: RestorePoint;
  /**
   * Consumer groups to reset; never guessed: given by --groups, or the groups the named restore point
   * recorded. Empty only when kafka is not among the targets.
   */
  groups: string[];
  targets: RollbackTarget[];
  /** Migrated entities whose migrator checkpoints are rewound (--entities); absent: every entity. */
  entities?: string[];
}

/** What `rollback mark` asks each participant to record. */
export interface MarkRequest {
  /** Consumer groups whose committed offsets the restore point keeps (--groups). */
  groups: string[];
  targets: RollbackTarget[];
}

/** One ClickHouse analytics table before and after its action. */
export interface ClickHouseTableRows {
  table: string;
  /** Rows (versions, every copy) in the table now. */
  rowsBefore: number;
  /** Rows the table holds once the action is done. */
  rowsAfter: number;
}

/** Trim: delete the versions whose event time is at or after the point (the replay re-delivers them). */
export interface ClickHouseTrimAction extends RollbackActionBase, ClickHouseTableRows {
  kind: 'clickhouse.trim-since';
  target: 'clickhouse';
  /** ISO instant: rows with event_timestamp >= this are deleted. */
  since: string;
}

/** Restore: the table becomes the restore point's snapshot (RENAME swap on 18.16, EXCHANGE on Atomic). */
export interface ClickHouseRestoreAction extends RollbackActionBase, ClickHouseTableRows {
  kind: 'clickhouse.restore-snapshot';
  target: 'clickhouse';
  snapshot: string;
}

/** One Weaviate collection's objects before and after. */
export interface WeaviateCollectionObjects {
  collection: string;
  objectsBefore: number;
  objectsAfter: number;
}

/** Purge: delete the objects whose source time is at or after the point (the replay re-writes them). */
export interface WeaviatePurgeAction extends RollbackActionBase, WeaviateCollectionObjects {
  kind: 'weaviate.purge-since';
  target: 'weaviate';
  /** The date property compared with the point. */
  property: string;
  since: string;
}

/** Restore: the index's collections are replaced by the restore point's backup. */
export interface WeaviateRestoreAction extends RollbackActionBase {
  kind: 'weaviate.restore-backup';
  target: 'weaviate';
  backupId: string;
  collections: WeaviateCollectionObjects[];
}

/** A migrator checkpoint's values (data_migration_state plus its newest migration_checkpoints row). */
export interface CheckpointValues {
  status: string;
  lastProcessedId: string | null;
  totalProcessed: number;
  totalFailed: number;
  /** The newest checkpoint's data (what a resumed backfill reads); null: no checkpoint yet. */
  checkpoint: Record<string, unknown> | null;
}

/** Rewind one migration's checkpoint; `after` null: the migration did not exist at the point (progress forgotten). */
export interface CheckpointRewindAction extends RollbackActionBase {
  kind: 'checkpoints.rewind';
  target: 'checkpoints';
  migration: string;
  entity: string;
  before: CheckpointValues;
  after: CheckpointValues | null;
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
