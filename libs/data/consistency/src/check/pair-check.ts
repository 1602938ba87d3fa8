import type { MigratedEntity } from '@mch/contracts';
import { diffSegments, type SegmentDiffOptions } from '../diff/segment-diff';
import { sampleDifferences } from '../diff/field-diff';
import type { ContentView, StoreName, TargetStore } from '../stores/content-view';
import type {
  DeadLetteredRow,
  DiscrepancyKind,
  IdList,
  InFlightRow,
  PairReport,
  Thresholds,
} from '../report/consistency-report';
import type { DeadLetterExplanation } from '../stores/dead-letter.source';
import { discrepancyRate, thresholdBreaches } from './thresholds';

export interface PairCheckOptions {
  thresholds: Thresholds;
  /** Rows changed after this are in flight. */
  cutoff: Date;
  /** Ids listed per kind (counts are always exact). */
  maxListed: number;
  /** Differing rows whose fields are read and compared. */
  sampleSize: number;
  segments: SegmentDiffOptions;
}

export interface PairInputs {
  entity: MigratedEntity;
  target: TargetStore;
  source: ContentView;
  targetView: ContentView;
  /** For rows only the target has: when their deletes were published, where the entity topic shows one. */
  deletedAt?: (ids: readonly string[]) => Promise<ReadonlyMap<string, Date>>;
  /** For rows the target lacks: the dead letter of a stage feeding the target that explains it. */
  deadLettered?: (ids: readonly string[]) => Promise<ReadonlyMap<string, DeadLetterExplanation>>;
}

const list = (ids: string[], max: number): IdList => ({ count: ids.length, ids: ids.slice(0, max) });

export function emptyPair(entity: MigratedEntity, target: TargetStore, mode: PairReport['mode']): PairReport {
  return {
    entity,
    source: 'postgres',
    target,
    mode,
    fields: [],
    sourceRows: null,
    targetRows: null,
    matched: null,
    missing: { count: 0, ids: [] },
    deadLettered: { count: 0, rows: [] },
    extra: { count: 0, ids: [] },
    different: { count: 0, ids: [], samples: [] },
    inFlight: { count: 0, rows: [] },
    discrepancies: null,
    discrepancyRate: null,
    passed: false,
    reasons: [],
    error: null,
    stats: { segments: 0, differingSegments: 0, depth: 0, seconds: 0 },
  };
}

/** A pair that could not be compared: it fails, naming the store and why; nothing counts as 0. */
export function failedPair(
  entity: MigratedEntity,
  target: TargetStore,
  mode: PairReport['mode'],
  store: StoreName,
  message: string,
): PairReport {
  return {
    ...emptyPair(entity, target, mode),
    error: { store, message },
    reasons: [`${store} could not be read: ${message}`],
  };
}

/** Count-only comparison: the count difference is a lower bound of the discrepancies. */
export function countPair(
  entity: MigratedEntity,
  target: TargetStore,
  sourceRows: number,
  targetRows: number,
  thresholds: Thresholds,
): PairReport {
  const discrepancies = Math.abs(sourceRows - targetRows);
  const rate = discrepancyRate(discrepancies, sourceRows, targetRows);
  const reasons = thresholdBreaches(discrepancies, rate, thresholds);
  return {
    ...emptyPair(entity, target, 'counts'),
    sourceRows,
    targetRows,
    discrepancies,
    discrepancyRate: rate,
    passed: reasons.length === 0,
    reasons,
  };
}

/**
 * Compares one target with PostgreSQL row by row (through segment hashes) and classifies every
 * differing id: missing, extra or different, unless it changed after the cutoff, in which case it
 * is in flight (still on its way through the pipeline) and reported apart. A missing row a dead
 * letter explains is dead-lettered (with the stage and reason), apart from the unexplained
 * missing; only unexplained ones count against the thresholds.
 */
export async function contentPair(inputs: PairInputs, options: PairCheckOptions): Promise<PairReport> {
  const started = performance.now();
  const diff = await diffSegments(inputs.source, inputs.targetView, options.segments);
  const inFlight: InFlightRow[] = [];
  const settled: Record<DiscrepancyKind, string[]> = { missing: [], extra: [], different: [] };
  const classify = (kind: DiscrepancyKind, id: string, changedAt: Date | null | undefined) => {
    if (changedAt && changedAt.getTime() > options.cutoff.getTime())
      inFlight.push({ id, kind, changedAt: changedAt.toISOString() });
    else settled[kind].push(id);
  };
  for (const id of diff.missing) classify('missing', id, diff.sourceRows.get(id)?.changedAt);
  for (const id of diff.different) classify('different', id, diff.sourceRows.get(id)?.changedAt);
  const deleted =
    diff.extra.length > 0 && inputs.deletedAt ? await inputs.deletedAt(diff.extra) : new Map<string, Date>();
  for (const id of diff.extra) classify('extra', id, deleted.get(id));
  // A missing row a dead letter explains is accounted for, not a discrepancy; in flight stays in flight.
  const explained =
    settled.missing.length > 0 && inputs.deadLettered
      ? await inputs.deadLettered(settled.missing)
      : new Map<string, DeadLetterExplanation>();
  const deadLettered: DeadLetteredRow[] = [];
  settled.missing = settled.missing.filter((id) => {
    const why = explained.get(id);
    if (why) deadLettered.push({ id, ...why });
    return !why;
  });
  const samples = await sampleDifferences(
    inputs.source,
    inputs.targetView,
    settled.different.slice(0, options.sampleSize),
  );
  const discrepancies = settled.missing.length + settled.extra.length + settled.different.length;
  const rate = discrepancyRate(discrepancies, diff.sourceCount, diff.targetCount);
  const reasons = thresholdBreaches(discrepancies, rate, options.thresholds);
  return {
    ...emptyPair(inputs.entity, inputs.target, 'content'),
    fields: inputs.source.profile.fields.map((f) => f.field),
    sourceRows: diff.sourceCount,
    targetRows: diff.targetCount,
    matched: diff.sourceCount - diff.missing.length - diff.different.length,
    missing: list(settled.missing, options.maxListed),
    deadLettered: { count: deadLettered.length, rows: deadLettered.slice(0, options.maxListed) },
    extra: list(settled.extra, options.maxListed),
    different: { ...list(settled.different, options.maxListed), samples },
    inFlight: { count: inFlight.length, rows: inFlight.slice(0, options.maxListed) },
    discrepancies,
    discrepancyRate: rate,
    passed: reasons.length === 0,
    reasons,
    stats: {
      segments: diff.segments,
      differingSegments: diff.differingSegments,
      depth: diff.depth,
      seconds: (performance.now() - started) / 1000,
    },
  };
}
