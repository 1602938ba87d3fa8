import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import { ENTITY_TOPICS, migrationIdOfRun, type MigratedEntity } from '@mch/contracts';
import { allCollections, indexCollectionNames } from '@mch/data-weaviate-index';
import { createClickHouse } from '@mch/infra-clickhouse';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import {
  createMigratedDatabase,
  freePort,
  runEntry,
  type EntryResult,
  startService,
  waitFor,
  waitReady,
  type MigratedDatabase,
  type ServiceProcess,
} from '@mch/testing-stack';
import { clickhouseEnvSchema, kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';

/** The two entities the campaign migrates: both reach Kafka, ClickHouse and Weaviate. */
export const ENTITIES: MigratedEntity[] = ['opportunity', 'contract_document'];
export type Target = 'kafka' | 'clickhouse' | 'weaviate';

// One entry-point runner for every e2e suite (@mch/testing-stack); re-exported for this app's specs.
export { runEntry, type EntryResult };

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/** Sends SIGTERM (as the kubelet does) and measures how long the process takes to exit. */
export async function terminate(service: ServiceProcess): Promise<ServiceExit> {
  const started = Date.now();
  const exit = new Promise<ServiceExit>((resolve) =>
    service.child.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started })),
  );
  service.child.kill('SIGTERM');
  return exit;
}

/**
 * One isolated migration on the fault stack: a fresh monolith database with sample rows, its own
 * topic prefix, ClickHouse database and Weaviate collections, and the services started as their
 * containers run them (entry points, configuration from the environment).
 */
export class Pipeline {
  readonly run: string;
  readonly prefix: string;
  readonly chDatabase: string;
  readonly collectionPrefix: string;
  readonly migrationId: string;
  readonly kafka: Kafka;
  readonly services: ServiceProcess[] = [];
  /** How long each wait and check took (ms), for the campaign's time budget. */
  readonly timings: string[] = [];
  /** The last lag seen by caughtUp, for a timeout's message. */
  private lag = '';
  db!: MigratedDatabase;
  clickhouse!: ClickHouseClient;
  env!: NodeJS.ProcessEnv;

  private constructor(name: string) {
    const id = randomUUID().slice(0, 8);
    this.run = `${name}-${id}`;
    this.prefix = `${this.run}.`;
    this.chDatabase = `fault_${this.run.replace(/-/g, '_')}`;
    this.collectionPrefix = `Fault${name.replace(/[^a-z0-9]/gi, '')}${id.replace(/[^a-z0-9]/gi, '')}`;
    this.migrationId = migrationIdOfRun(this.run);
    const quiet = createLogger({ service: 'fault-e2e', level: 'error', sink: () => undefined });
    this.kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: `fault-e2e-${name}`, logger: quiet });
  }

  static async create(name: string, opportunities: number): Promise<Pipeline> {
    const pipeline = new Pipeline(name);
    pipeline.db = await createMigratedDatabase(`fault_${name.replace(/-/g, '_')}`, {
      load: { opportunities, seed: 13 },
    });
    const quiet = createLogger({ service: 'fault-e2e', level: 'error', sink: () => undefined });
    const chConfig = loadConfig(clickhouseEnvSchema);
    const admin = createClickHouse(chConfig, { applicationName: 'fault-e2e', logger: quiet });
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${pipeline.chDatabase}` });
    await admin.close();
    pipeline.clickhouse = createClickHouse(
      { ...chConfig, CLICKHOUSE_DATABASE: pipeline.chDatabase },
      { applicationName: 'fault-e2e', logger: quiet },
    );
    pipeline.env = {
      ...process.env,
      PGDATABASE: pipeline.db.name,
      CLICKHOUSE_DATABASE: pipeline.chDatabase,
      MIGRATION_RUN: pipeline.run,
      LOG_LEVEL: 'warn',
    };
    return pipeline;
  }

  topic(entity: MigratedEntity): string {
    return `${this.prefix}${ENTITY_TOPICS[entity].name}`;
  }

  get populatorGroup(): string {
    return `${this.run}-clickhouse`;
  }

  get indexerGroup(): string {
    return `${this.run}-weaviate`;
  }

  /** The migrator's change-capture service (logical replication) for the campaign's entities. */
  async startMigrator(extra: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    return this.start('kafka-migrator', {
      ENTITIES: ENTITIES.join(','),
      CAPTURE_MODE: 'logical',
      TOPIC_PREFIX: this.prefix,
      ...extra,
    });
  }

  async startPopulator(extra: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    return this.start('clickhouse-populator', {
      CLICKHOUSE_POPULATOR_ENTITIES: ENTITIES.join(','),
      CLICKHOUSE_POPULATOR_TOPIC_PREFIX: this.prefix,
      CLICKHOUSE_POPULATOR_GROUP_ID: this.populatorGroup,
      ...extra,
    });
  }

  async startIndexer(extra: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    return this.start('weaviate-indexer', {
      WEAVIATE_COLLECTION_PREFIX: this.collectionPrefix,
      INDEXER_OPPORTUNITY_TOPIC: this.topic('opportunity'),
      INDEXER_DOCUMENT_TOPIC: this.topic('contract_document'),
      INDEXER_GROUP_ID: this.indexerGroup,
      ...extra,
    });
  }

  /** The backfill Job (one shard unless told otherwise), run to its end. */
  backfill(extra: NodeJS.ProcessEnv = {}): Promise<EntryResult> {
    return runEntry('apps/kafka-migrator/src/main.ts', [], this.backfillEnv(extra));
  }

  backfillEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...this.env,
      MIGRATOR_MODE: 'backfill',
      ENTITIES: ENTITIES.join(','),
      CAPTURE_MODE: 'logical',
      TOPIC_PREFIX: this.prefix,
      ...extra,
    };
  }

  private async start(app: string, extra: NodeJS.ProcessEnv): Promise<ServiceProcess> {
    const service = startService(app, await freePort(), { ...this.env, ...extra });
    this.services.push(service);
    return service;
  }

  async ready(...services: ServiceProcess[]): Promise<void> {
    await Promise.all(services.map((s) => waitReady(s)));
  }

  /** Committed offsets of a group have reached the topics' end offsets on every partition. */
  async caughtUp(groupId: string, topics: string[]): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics });
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const end of ends) {
          if (end.high === end.low) continue;
          const at = mine.find((p) => p.partition === end.partition)?.offset ?? '-1';
          if (BigInt(at) < BigInt(end.high)) {
            this.lag = `${groupId} at ${at} of ${end.high} on ${topic}[${end.partition}]`;
            return false;
          }
        }
      }
      return true;
    } finally {
      await admin.disconnect();
    }
  }

  /** A marker row written now reaches its topic: capture has passed everything written before. */
  async captured(timeoutMs = 120_000): Promise<void> {
    const started = Date.now();
    const marker = await this.db.pool.query<{ id: string }>(
      `UPDATE opportunities SET updated_at = now() WHERE id = (SELECT id FROM opportunities ORDER BY id LIMIT 1) RETURNING id::text AS id`,
    );
    const id = marker.rows[0]?.id;
    const topic = this.topic('opportunity');
    const admin = this.kafka.admin();
    await admin.connect();
    const before = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const startHigh = before.reduce((n, p) => n + Number(p.high), 0);
    await waitFor(
      `the marker ${id} on ${topic}\n${this.lastWords()}`,
      async () => {
        const a = this.kafka.admin();
        await a.connect();
        try {
          return (await a.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0) > startHigh;
        } finally {
          await a.disconnect();
        }
      },
      timeoutMs,
    );
    this.timings.push(`captured ${Date.now() - started}`);
  }

  /** Both sinks have committed up to the end of every topic they read. */
  async sinksCaughtUp(timeoutMs = 120_000, sinks: Array<'clickhouse' | 'weaviate'> = ['clickhouse', 'weaviate']): Promise<void> {
    const topics = ENTITIES.map((e) => this.topic(e));
    const started = Date.now();
    for (const sink of sinks) {
      const group = sink === 'clickhouse' ? this.populatorGroup : this.indexerGroup;
      await waitFor(`${sink} sink caught up`, () => this.caughtUp(group, topics), timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}: ${this.lag}\n${this.lastWords()}`);
      });
    }
    this.timings.push(`caught up ${Date.now() - started}`);
  }

  /**
   * The consistency checker's CLI with every row compared (no lag, watermark now): returns each
   * pair's figures, which a passing migration has all matched and none missing, extra, different,
   * dead-lettered or in flight.
   */
  async check(targets: Target[]): Promise<{ code: number | null; pairs: PairFigures[]; failures: string[]; raw: string }> {
    const started = Date.now();
    const result = await runEntry(
      'apps/consistency-checker/src/cli.ts',
      ['check', '--format', 'json', '--lag-seconds', '0', '--watermark', new Date().toISOString(), '--event-store', 'none', '--record', 'false'],
      {
        ...this.env,
        CONSISTENCY_ENTITIES: ENTITIES.join(','),
        CONSISTENCY_TARGETS: targets.join(','),
        CONSISTENCY_TOPIC_PREFIX: this.prefix,
        CONSISTENCY_WEAVIATE_PREFIX: this.collectionPrefix,
        CONSISTENCY_MIGRATION_ID: this.migrationId,
        LOG_LEVEL: 'error',
      },
    );
    this.timings.push(`check ${Date.now() - started}`);
    let report: { failures?: string[]; entities?: Array<{ entity: string; pairs: RawPair[] }> };
    try {
      report = JSON.parse(result.stdout);
    } catch {
      throw new Error(`checker printed no JSON report (exit ${result.code}):\n${result.stderr.slice(-3000)}${result.stdout.slice(-2000)}`);
    }
    const pairs = (report.entities ?? []).flatMap((e) =>
      e.pairs.map((p) => ({
        pair: `${e.entity} postgres/${p.target}`,
        matchedAll: p.matched === p.sourceRows && p.sourceRows > 0,
        missing: p.missing.count,
        extra: p.extra.count,
        different: p.different.count,
        deadLettered: p.deadLettered?.count ?? 0,
        inFlight: p.inFlight.count,
        ...(p.missing.count > 0 ? { missingIds: p.missing.ids.slice(0, 5) } : {}),
        ...(p.different.count > 0 ? { differentSamples: p.different.samples.slice(0, 2) } : {}),
      })),
    );
    return { code: result.code, pairs, failures: report.failures ?? [], raw: result.stdout };
  }

  /** What `check` returns for a migration that lost, duplicated and changed nothing. */
  static consistent(targets: Target[]): { pairs: PairFigures[]; failures: string[] } {
    return {
      pairs: ENTITIES.flatMap((entity) =>
        targets.map((target) => ({
          pair: `${entity} postgres/${target}`,
          matchedAll: true,
          missing: 0,
          extra: 0,
          different: 0,
          deadLettered: 0,
          inFlight: 0,
        })),
      ),
      failures: [],
    };
  }

  /** The last lines of every service started (and how it ended, if it did), for a failure's message. */
  lastWords(): string {
    return this.services
      .map((s) => {
        const ended = s.child.exitCode !== null || s.child.signalCode !== null;
        const state = ended ? ` (exited ${s.child.exitCode ?? s.child.signalCode})` : '';
        const errors = s.output().split('\n').filter((line) => /"level":"(error|fatal)"/.test(line));
        return `--- ${s.name}${state}:\n${[...errors.slice(-3), s.output().slice(-1_000)].join('\n')}`;
      })
      .join('\n');
  }

  async close(): Promise<void> {
    for (const service of this.services) await service.stop().catch(() => undefined);
    await runEntry('apps/kafka-migrator/src/main.ts', ['teardown-capture'], this.env ?? process.env).catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
    await this.clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${this.chDatabase}` }).catch(() => undefined);
    await this.clickhouse?.close().catch(() => undefined);
    const weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema)).catch(() => undefined);
    for (const name of allCollections(indexCollectionNames(this.collectionPrefix)))
      await weaviate?.collections.delete(name).catch(() => undefined);
    await weaviate?.close().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin.connect().catch(() => undefined);
    const own = (await admin.listTopics().catch(() => [] as string[])).filter(
      (t) => t.startsWith(this.prefix) || t.startsWith(`dlq.${this.prefix}`),
    );
    if (own.length > 0) await admin.deleteTopics({ topics: own }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

interface RawPair {
  target: string;
  sourceRows: number;
  matched: number;
  missing: { count: number; ids: string[] };
  deadLettered?: { count: number };
  extra: { count: number };
  different: { count: number; samples: unknown[] };
  inFlight: { count: number };
}

export interface PairFigures {
  pair: string;
  matchedAll: boolean;
  missing: number;
  extra: number;
  different: number;
  deadLettered: number;
  inFlight: number;
  missingIds?: string[];
  differentSamples?: unknown[];
}
