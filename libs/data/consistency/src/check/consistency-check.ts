import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, deadLetterTopicsOf, type MigratedEntity } from '@mch/contracts';
import { detectAnalyticsCapabilities, type AnalyticsCapabilities } from '@mch/data-clickhouse-analytics';
import { indexCollectionNames, type IndexCollectionNames } from '@mch/data-weaviate-index';
import { ENTITY_SOURCES } from '@mch/data-kafka-migration';
import { assertReadsEveryRow } from '@mch/infra-postgres';
import type { Logger } from '@mch/util-logger';
import { DEFAULT_SEGMENT_DIFF, type SegmentDiffOptions } from '../diff/segment-diff';
import { validateEventOrder } from '../event-order/event-order.validator';
import type { EventOrderOptions, EventOrderReport } from '../event-order/event-order.report';
import { clickhouseProfile, type ClickHouseProfile } from '../profiles/clickhouse-profile';
import { fullProfile, type HashProfile } from '../profiles/hash-profile';
import { weaviateViews } from '../profiles/weaviate-profile';
import type {
  CheckMode,
  ConsistencyReport,
  EntityReport,
  PairReport,
  Thresholds,
} from '../report/consistency-report';
import { ClickHouseEntitySource } from '../stores/clickhouse.source';
import {
  describeError,
  StoreReadError,
  type ContentView,
  type StoreName,
  type TargetStore,
} from '../stores/content-view';
import { DeadLetterSource } from '../stores/dead-letter.source';
import { KafkaEntitySource } from '../stores/kafka.source';
import { PostgresEntitySource } from '../stores/postgres.source';
import { WeaviateEntitySource } from '../stores/weaviate.source';
import { contentPair, countPair, failedPair } from './pair-check';
import { inFlightCutoff, migrationWatermark } from './in-flight';

export interface ConsistencyStores {
  pool: Pool;
  kafka?: Kafka;
  clickhouse?: ClickHouseClient;
  weaviate?: { client: WeaviateClient; names: IndexCollectionNames };
}

export interface ConsistencyCheckOptions {
  mode: CheckMode;
  entities: readonly MigratedEntity[];
  /** Stores compared with PostgreSQL; an entity a store does not hold is skipped for it. */
  targets: readonly TargetStore[];
  /** Kafka: only this migration's events. Also where the watermark comes from when none is given. */
  migrationId: string | null;
  watermark: Date | null;
  /** Rows changed within this long before the check are in flight, watermark or not. */
  inFlightLagMs: number;
  thresholds: Thresholds;
  topicFor: (entity: MigratedEntity) => string;
  /** The entity's dead-letter topics (deadLetterTopicsOf with the same prefix as topicFor). */
  deadLetterTopicsFor: (entity: MigratedEntity) => string[];
  maxListed: number;
  sampleSize: number;
  segments: SegmentDiffOptions;
  kafkaTimeoutMs: number;
  weaviatePageSize: number;
  /** Cursors reading a Weaviate collection at once, each over its own range of ids. */
  weaviateReadSlices: number;
  eventStore: EventOrderOptions | null;
  logger: Logger;
  now?: () => Date;
  /** Called after each entity is checked (the CLI's progress bar or lines). */
  onProgress?: (progress: { entity: MigratedEntity; done: number; total: number }) => void;
}

export const defaultTopicFor = (entity: MigratedEntity) => ENTITY_TOPICS[entity].name;

export const DEFAULT_CHECK_OPTIONS: Omit<ConsistencyCheckOptions, 'logger'> = {
  mode: 'content',
  entities: Object.keys(ENTITY_TOPICS) as MigratedEntity[],
  targets: ['kafka', 'clickhouse', 'weaviate'],
  migrationId: null,
  watermark: null,
  inFlightLagMs: 0,
  thresholds: { maxDiscrepancies: 100, maxDiscrepancyRate: 0.0001 },
  topicFor: defaultTopicFor,
  deadLetterTopicsFor: (entity) => deadLetterTopicsOf(entity),
  maxListed: 1_000,
  sampleSize: 20,
  segments: DEFAULT_SEGMENT_DIFF,
  kafkaTimeoutMs: 600_000,
  weaviatePageSize: 2_000,
  weaviateReadSlices: 4,
  eventStore: null,
};

/** Wraps a view so any failure names its store; a failing pair then says which store could not be read. */
function guarded(view: ContentView): ContentView {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (error) {
        throw error instanceof StoreReadError
          ? error
          : new StoreReadError(view.store, describeError(error), { cause: error });
      }
    };
  return {
    store: view.store,
    profile: view.profile,
    summarize: wrap((length: number, within: readonly string[] | null) => view.summarize(length, within)),
    rowHashes: wrap((prefixes: readonly string[]) => view.rowHashes(prefixes)),
    canonicalRows: wrap((ids: readonly string[]) => view.canonicalRows(ids)),
  };
}

/** Runs `work`, turning a failure into a StoreReadError of `store`. */
async function reading<T>(store: StoreName, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof StoreReadError
      ? error
      : new StoreReadError(store, describeError(error), { cause: error });
  }
}

/** A pair of either mode: a target without a source, or one whose read fails, is a failed pair naming the store. */
async function pairGuarded(
  entity: MigratedEntity,
  target: TargetStore,
  mode: CheckMode,
  sources: EntityTargets,
  work: (source: NonNullable<EntityTargets[TargetStore]>) => Promise<PairReport>,
): Promise<PairReport> {
  const source = sources[target];
  if (!source) return failedPair(entity, target, mode, target, 'the store is not configured or did not connect');
  try {
    return await work(source);
  } catch (error) {
    const f = failure(error, target);
    return failedPair(entity, target, mode, f.store, f.message);
  }
}

function failure(error: unknown, fallback: StoreName): { store: StoreName; message: string } {
  if (error instanceof StoreReadError)
    return { store: error.store, message: describeError(error).replace(`${error.store}: `, '') };
  return { store: fallback, message: describeError(error) };
}

interface EntityTargets {
  kafka?: KafkaEntitySource;
  clickhouse?: ClickHouseEntitySource;
  weaviate?: WeaviateEntitySource;
}

/**
 * The consistency check: per entity, PostgreSQL against each target (counts, or content through
 * segment hashes), and the event store's ordering. A store that cannot be read fails its pairs
 * with the reason; it never reads as empty.
 */
/** A store's live row count, or why it could not be read. */
export interface LiveCount {
  rows: number | null;
  error: string | null;
}

export class ConsistencyChecker {
  private caps?: Promise<AnalyticsCapabilities>;

  constructor(private readonly stores: ConsistencyStores) {}

  async run(options: ConsistencyCheckOptions): Promise<ConsistencyReport> {
    const now = options.now ?? (() => new Date());
    const started = now();
    const runId = randomUUID();
    const log = options.logger.child({ check_run: runId });
    const watermark =
      options.watermark ??
      (options.migrationId ? await migrationWatermark(this.stores.pool, options.migrationId) : null);
    const cutoff = inFlightCutoff(started, watermark, options.inFlightLagMs);
    log.info('consistency check started', {
      mode: options.mode,
      entities: options.entities,
      targets: options.targets,
      cutoff: cutoff.toISOString(),
    });
    const entities: EntityReport[] = [];
    for (const entity of options.entities) {
      const report = await this.checkEntity(entity, options, cutoff);
      for (const pair of report.pairs) log.info('pair checked', summaryFields(pair));
      entities.push(report);
      options.onProgress?.({ entity, done: entities.length, total: options.entities.length });
    }
    let eventStore: EventOrderReport | null = null;
    const failures: string[] = [];
    if (options.eventStore) {
      try {
        eventStore = await validateEventOrder(this.stores.pool, options.eventStore);
        for (const reason of eventStore.reasons) failures.push(`event_store: ${reason}`);
      } catch (error) {
        failures.push(`event_store: postgres could not be read: ${describeError(error)}`);
      }
    }
    for (const e of entities) {
      for (const p of e.pairs)
        for (const reason of p.reasons) failures.push(`${e.entity} postgres/${p.target}: ${reason}`);
      const unexplained = e.undecodableMessages.count - (e.undecodableMessages.deadLettered ?? 0);
      if (unexplained > 0)
        failures.push(
          `${e.entity} kafka: ${unexplained} messages on the topic are not events` +
            (e.undecodableMessages.deadLettered ? ` (besides ${e.undecodableMessages.deadLettered} the consumers dead-lettered)` : ''),
        );
    }
    const passed = failures.length === 0;
    const deadLettered = entities.reduce((n, e) => n + e.pairs.reduce((m, p) => m + p.deadLettered.count, 0), 0);
    const unreadable = entities.some((e) => e.pairs.some((p) => p.error !== null));
    const finished = now();
    const report: ConsistencyReport = {
      runId,
      mode: options.mode,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      migrationId: options.migrationId,
      inFlightCutoff: cutoff.toISOString(),
      watermark: watermark?.toISOString() ?? null,
      thresholds: options.thresholds,
      entities,
      eventStore,
      passed,
      verdict: unreadable ? 'unreadable' : !passed ? 'inconsistent' : deadLettered > 0 ? 'dead-lettered' : 'consistent',
      deadLettered,
      failures,
    };
    log[report.passed ? 'info' : 'warn']('consistency check finished', {
      passed: report.passed,
      verdict: report.verdict,
      dead_lettered: deadLettered,
      failures,
      duration_ms: report.durationMs,
    });
    return report;
  }

  /**
   * One entity's live rows in PostgreSQL, ClickHouse and Weaviate, counted as a count check counts
   * them (ClickHouse: the latest version per id unless deleted; Weaviate: every object), without
   * a check: the migration dashboard polls this. A store that cannot be read gives its error; a
   * store the entity does not go to gives null.
   */
  async liveCounts(entity: MigratedEntity): Promise<Record<'postgres' | 'clickhouse' | 'weaviate', LiveCount | null>> {
    const counted = (count: () => Promise<number>): Promise<LiveCount> =>
      count().then(
        (rows) => ({ rows, error: null }),
        (error: unknown) => ({ rows: null, error: describeError(error) }),
      );
    const { clickhouse, weaviate } = this.stores;
    const chProfile = clickhouseProfile(entity);
    const view = weaviateViews(weaviate?.names ?? indexCollectionNames())[entity];
    const [postgres, ch, wv] = await Promise.all([
      counted(() => new PostgresEntitySource(this.stores.pool, entity, []).count()),
      clickhouse && chProfile
        ? counted(async () => new ClickHouseEntitySource(clickhouse, await this.capabilities(clickhouse), chProfile).count())
        : null,
      weaviate && view ? counted(() => new WeaviateEntitySource(weaviate.client, view, 1, 1).count()) : null,
    ]);
    return { postgres, clickhouse: ch, weaviate: wv };
  }

  private capabilities(client: ClickHouseClient): Promise<AnalyticsCapabilities> {
    // Cached for the service's lifetime, but not a failure: the next run asks again.
    this.caps ??= detectAnalyticsCapabilities(client).catch((error: unknown) => {
      this.caps = undefined;
      throw error;
    });
    return this.caps;
  }

  private targetsOf(
    entity: MigratedEntity,
    options: ConsistencyCheckOptions,
  ): {
    profiles: Partial<Record<TargetStore, HashProfile>>;
    sources: EntityTargets;
    clickhouse: ClickHouseProfile | null;
  } {
    const profiles: Partial<Record<TargetStore, HashProfile>> = {};
    const sources: EntityTargets = {};
    const { kafka, clickhouse, weaviate } = this.stores;
    // A target asked for without its client keeps its profile, so its pair fails as not configured.
    if (options.targets.includes('kafka')) profiles.kafka = fullProfile(entity);
    if (profiles.kafka && kafka) {
      sources.kafka = new KafkaEntitySource(kafka, entity, options.topicFor(entity), profiles.kafka, {
        migrationId: options.migrationId,
        timeoutMs: options.kafkaTimeoutMs,
        maxListed: options.maxListed,
      });
    }
    const ch = options.targets.includes('clickhouse') ? clickhouseProfile(entity) : null;
    if (ch) profiles.clickhouse = ch.profile;
    const view = options.targets.includes('weaviate')
      ? weaviateViews(weaviate?.names ?? indexCollectionNames())[entity]
      : undefined;
    if (view) profiles.weaviate = view.profile;
    if (view && weaviate) {
      sources.weaviate = new WeaviateEntitySource(
        weaviate.client,
        view,
        options.weaviatePageSize,
        options.weaviateReadSlices,
      );
    }
    return { profiles, sources, clickhouse: clickhouse ? ch : null };
  }

  private async checkEntity(
    entity: MigratedEntity,
    options: ConsistencyCheckOptions,
    cutoff: Date,
  ): Promise<EntityReport> {
    const { profiles, sources, clickhouse: chProfile } = this.targetsOf(entity, options);
    const targets = options.targets.filter((t) => profiles[t] !== undefined);
    const pg = new PostgresEntitySource(
      this.stores.pool,
      entity,
      targets.map((t) => profiles[t] as HashProfile),
    );
    const unavailable: Partial<Record<TargetStore, string>> = {};
    // A role that row level security filters would compare a fraction of the table and could pass:
    // every pair of the entity fails as PostgreSQL unreadable instead (exit 3), naming the cause.
    let sourceUnreadable: string | null = null;
    try {
      await assertReadsEveryRow(this.stores.pool, [ENTITY_SOURCES[entity].table], 'consistency check');
    } catch (error) {
      sourceUnreadable = describeError(error);
    }
    const clickhouse = this.stores.clickhouse;
    if (clickhouse && chProfile) {
      try {
        sources.clickhouse = new ClickHouseEntitySource(
          clickhouse,
          await this.capabilities(clickhouse),
          chProfile,
        );
      } catch (error) {
        unavailable.clickhouse = describeError(error);
      }
    }
    // Kafka and Weaviate are read once (their reads are the slow part) while PostgreSQL and ClickHouse summarise.
    const timedRead = async (store: 'kafka' | 'weaviate', load: () => Promise<void>, rows: () => number) => {
      const started = performance.now();
      await reading(store, load);
      options.logger.info('store read', {
        entity,
        store,
        rows: rows(),
        seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      });
    };
    const { kafka, weaviate } = sources;
    const deadLetters = new DeadLetterSource(this.stores.kafka, entity, options.deadLetterTopicsFor(entity), {
      migrationId: options.migrationId,
      timeoutMs: options.kafkaTimeoutMs,
    });
    const lettersRead = options.mode === 'content' ? reading('kafka', () => deadLetters.load()) : null;
    lettersRead?.catch(() => undefined);
    const loads = {
      kafka: kafka
        ? timedRead(
            'kafka',
            () => kafka.load(options.mode === 'content'),
            () => kafka.count(),
          )
        : null,
      weaviate:
        weaviate && options.mode === 'content'
          ? timedRead(
              'weaviate',
              () => weaviate.load(),
              () => weaviate.loadedCount(),
            )
          : null,
    };
    for (const load of Object.values(loads)) load?.catch(() => undefined);
    const pairs = await Promise.all(
      targets.map((target) =>
        sourceUnreadable !== null
          ? failedPair(entity, target, options.mode, 'postgres', sourceUnreadable)
          : unavailable[target] !== undefined
          ? failedPair(entity, target, options.mode, target, unavailable[target] as string)
          : options.mode === 'content'
            ? this.contentOf(entity, target, pg, sources, loads, options, cutoff, deadLetters, lettersRead)
            : this.countsOf(entity, target, pg, sources, loads, options),
      ),
    );
    const counts: EntityReport['counts'] = {
      postgres: pairs.find((p) => p.sourceRows !== null)?.sourceRows ?? null,
    };
    for (const p of pairs) counts[p.target] = p.targetRows;
    // Messages that are no event but that the consumers dead-lettered are accounted for.
    const lettersKnown = lettersRead ? await lettersRead.then(() => true, () => false) : false;
    const samples = (kafka?.undecodable ?? []).map((u) => ({
      ...u,
      deadLettered: lettersKnown && kafka ? deadLetters.deadLetteredMessage(kafka.topic, u.partition, u.offset) : false,
    }));
    return {
      entity,
      counts,
      pairs,
      deadLetters: deadLetters.summary,
      undecodableMessages: kafka
        ? { count: kafka.undecodableCount, deadLettered: samples.filter((u) => u.deadLettered).length, samples }
        : { count: 0, deadLettered: 0, samples: [] },
    };
  }

  private async contentOf(
    entity: MigratedEntity,
    target: TargetStore,
    pg: PostgresEntitySource,
    sources: EntityTargets,
    loads: Record<'kafka' | 'weaviate', Promise<void> | null>,
    options: ConsistencyCheckOptions,
    cutoff: Date,
    deadLetters: DeadLetterSource,
    lettersRead: Promise<void> | null,
  ): Promise<PairReport> {
    return pairGuarded(entity, target, 'content', sources, async (source) => {
      // Read beside the other stores, awaited only when a row is missing; a failed read fails the pair.
      const deadLettered = async (ids: readonly string[]) => {
        await lettersRead;
        return deadLetters.explain(ids, target);
      };
      if (target === 'kafka' || target === 'weaviate') await loads[target];
      const kafka = sources.kafka;
      // Deletes in flight are recognised from the topic: only the few extra rows wait for its read.
      const deletedAt = async (ids: readonly string[]) => {
        const out = new Map<string, Date>();
        if (target === 'kafka' || !kafka || !loads.kafka) return out;
        await loads.kafka.catch(() => undefined);
        for (const id of ids) {
          const state = kafka.keys.get(id);
          if (state?.deleted) out.set(id, new Date(state.timestamp));
        }
        return out;
      };
      return contentPair(
        {
          entity,
          target,
          source: guarded(pg.view(source.profile)),
          targetView: guarded(source),
          deletedAt,
          deadLettered,
        },
        {
          thresholds: options.thresholds,
          cutoff,
          maxListed: options.maxListed,
          sampleSize: options.sampleSize,
          segments: options.segments,
        },
      );
    });
  }

  private async countsOf(
    entity: MigratedEntity,
    target: TargetStore,
    pg: PostgresEntitySource,
    sources: EntityTargets,
    loads: Record<'kafka' | 'weaviate', Promise<void> | null>,
    options: ConsistencyCheckOptions,
  ): Promise<PairReport> {
    return pairGuarded(entity, target, 'counts', sources, async (source) => {
      const [sourceRows, targetRows] = await Promise.all([
        reading('postgres', () => pg.count()),
        reading(target, async () => {
          if (target === 'kafka') {
            await loads.kafka;
            return (source as KafkaEntitySource).count();
          }
          return (source as ClickHouseEntitySource | WeaviateEntitySource).count();
        }),
      ]);
      return countPair(entity, target, sourceRows, targetRows, options.thresholds);
    });
  }
}

function summaryFields(pair: PairReport): Record<string, unknown> {
  return {
    entity: pair.entity,
    target: pair.target,
    mode: pair.mode,
    source_rows: pair.sourceRows,
    target_rows: pair.targetRows,
    matched: pair.matched,
    missing: pair.missing.count,
    dead_lettered: pair.deadLettered.count,
    extra: pair.extra.count,
    different: pair.different.count,
    in_flight: pair.inFlight.count,
    discrepancies: pair.discrepancies,
    rate: pair.discrepancyRate,
    passed: pair.passed,
    error: pair.error,
    seconds: pair.stats.seconds,
  };
}
