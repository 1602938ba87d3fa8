import type { MigratedEntity } from '@mch/contracts';
import type { StoreName, TargetStore } from '../stores/content-view';
import type { DeadLetterExplanation, DeadLetterSummary } from '../stores/dead-letter.source';
import type { EventOrderReport } from '../event-order/event-order.report';

export type CheckMode = 'counts' | 'content';
export type DiscrepancyKind = 'missing' | 'extra' | 'different';

/** Ids of one kind: the exact count, and the first ids (sorted) up to the listing limit. */
export interface IdList {
  count: number;
  ids: string[];
}

export interface FieldDifference {
  field: string;
  /** Canonical text in PostgreSQL (null: NULL). */
  source: string | null;
  /** Canonical text in the target (null: NULL or absent). */
  target: string | null;
}

export interface DifferenceSample {
  id: string;
  fields: FieldDifference[];
}

export interface InFlightRow {
  id: string;
  kind: DiscrepancyKind;
  /** When the source row changed (or the delete event's time), after the cutoff. */
  changedAt: string | null;
}

/** A row missing from the target because a stage feeding it refused it: not a discrepancy. */
export interface DeadLetteredRow extends DeadLetterExplanation {
  id: string;
}

/**
 * How the pair's verdict reads: consistent (nothing unexplained beyond the thresholds, nothing
 * dead-lettered), dead-lettered (consistent except rows the dead letters explain: replay them),
 * inconsistent (unexplained discrepancies break the thresholds), unreadable (a store failed).
 */
export type Verdict = 'consistent' | 'dead-lettered' | 'inconsistent' | 'unreadable';

export interface Thresholds {
  /** A pair fails with more discrepancies than this (the plan's 100). */
  maxDiscrepancies: number;
  /** A pair with discrepancies fails when their rate reaches this (the plan's success metric: below 0.0001, 0.01%). */
  maxDiscrepancyRate: number;
}

export interface PairReport {
  entity: MigratedEntity;
  source: 'postgres';
  target: TargetStore;
  mode: CheckMode;
  /** The mapped fields compared (content mode). */
  fields: string[];
  sourceRows: number | null;
  targetRows: number | null;
  /** Source rows the target holds with the same content (content mode; null in count mode). */
  matched: number | null;
  /** Missing and unexplained: no dead letter of a stage feeding this target names them. */
  missing: IdList;
  /** Missing, and dead-lettered by a stage feeding this target: the reason and the stage (listed up to maxListed). */
  deadLettered: { count: number; rows: DeadLetteredRow[] };
  extra: IdList;
  different: IdList & { samples: DifferenceSample[] };
  /** Rows changed after the cutoff: reported, not counted as discrepancies. */
  inFlight: { count: number; rows: InFlightRow[] };
  /** Unexplained missing + extra + different outside the in-flight set; in count mode, the count difference. */
  discrepancies: number | null;
  /** discrepancies / the larger row count; 0 when both stores are empty. Never NaN. */
  discrepancyRate: number | null;
  passed: boolean;
  /** Why the pair failed: thresholds broken, or a store that could not be read. */
  reasons: string[];
  error: { store: StoreName; message: string } | null;
  stats: { segments: number; differingSegments: number; depth: number; seconds: number };
}

export interface EntityReport {
  entity: MigratedEntity;
  /** Live rows per store; null where the store could not be read (see the pair's error). */
  counts: Partial<Record<StoreName, number | null>>;
  pairs: PairReport[];
  /** The run's dead letters of this entity, read from its dead-letter topics. */
  deadLetters: DeadLetterSummary;
  /** Messages on the entity topic that are not events (listed up to the limit). */
  undecodableMessages: {
    count: number;
    /**
     * Of the listed ones, those a consumer dead-lettered (a dead letter whose original message is
     * at that partition and offset): accounted for, not a failure. Listed beyond the limit, a
     * message cannot be matched and counts as unexplained.
     */
    deadLettered?: number;
    samples: { partition: number; offset: string; key: string | null; reason: string; deadLettered?: boolean }[];
  };
}

export interface ConsistencyReport {
  runId: string;
  mode: CheckMode;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  migrationId: string | null;
  /** Rows changed after this instant are in flight: min(watermark, start - lag). */
  inFlightCutoff: string;
  watermark: string | null;
  thresholds: Thresholds;
  entities: EntityReport[];
  eventStore: EventOrderReport | null;
  passed: boolean;
  /** passed and no row dead-lettered: consistent; passed with dead-lettered rows: dead-lettered. */
  verdict: Verdict;
  /** Missing rows the dead letters explain, over all pairs. */
  deadLettered: number;
  /** One line per failure, for logs, the CLI and the Argo analysis message. */
  failures: string[];
}
