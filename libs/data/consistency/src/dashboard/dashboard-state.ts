import type { MigratedEntity } from '@mch/contracts';
import type { CheckRunSummary } from '../runs/check-run.repository';
import type { LiveCount } from '../check/consistency-check';

/** What the migration dashboard shows; GET /dashboard/state answers it and the page renders it. */
export interface DashboardState {
  generatedAt: string;
  migrationId: string | null;
  topicPrefix: string;
  entities: EntityState[];
  lag: GroupLag[];
  deadLetters: { byStageAndReason: { stage: string; reason: string; rows: number }[]; fromCheckRun: string | null };
  lastCheck: CheckRunSummary | null;
  history: CheckRunSummary[];
  restorePoints: RestorePointState[];
  rollbacks: RollbackState[];
  /** Parts that could not be read this time, by part; the rest of the state is still current. */
  errors: Record<string, string>;
}

export interface EntityState {
  entity: MigratedEntity;
  postgres: LiveCount;
  /** Messages in the entity topic (offset span of every partition): events, not distinct rows. */
  kafka: LiveCount;
  clickhouse: LiveCount | null;
  weaviate: LiveCount | null;
  /** Rows per second each target gained since the previous sample (null on the first one). */
  rates: { kafka: number | null; clickhouse: number | null; weaviate: number | null };
  backfill: BackfillProgress | null;
  /** Messages in the entity's dead-letter topics (every stage). */
  deadLetters: number;
}

export interface BackfillProgress {
  shards: number;
  status: 'running' | 'completed' | 'failed' | 'paused' | 'pending';
  processed: number;
  failed: number;
  /** processed / the source rows now, at most 1. */
  fraction: number;
  rowsPerSecond: number | null;
  /** Seconds left at the current rate while running; 0 when completed; null when unknown. */
  etaSeconds: number | null;
}

export interface GroupLag {
  group: string;
  topic: string;
  /** Per partition: end offset minus the committed one (the whole span when nothing is committed). */
  partitions: { partition: number; committed: string | null; end: string; lag: number }[];
  lag: number;
}

export interface RestorePointState {
  name: string;
  takenAt: string;
  takenBy: string;
  targets: string[];
}

export interface RollbackState {
  id: string;
  to: string;
  status: string;
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  stepsDone: number;
  steps: number;
  lastError: string | null;
}
