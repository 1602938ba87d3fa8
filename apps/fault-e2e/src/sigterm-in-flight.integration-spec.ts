import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WORKSPACE_ROOT, waitFor, type ServiceProcess } from '@mch/testing-stack';
import { Pipeline, terminate, type ServiceExit } from './support/pipeline';
import { TcpFaultProxy, isBatchInsert } from './support/tcp-fault-proxy';

/** The grace period the manifests give each service's pod (k8s/base/<service>.yaml). */
function gracePeriodMs(manifest: string): number {
  const text = readFileSync(path.join(WORKSPACE_ROOT, 'k8s/base', manifest), 'utf8');
  const match = /terminationGracePeriodSeconds:\s*(\d+)/.exec(text);
  if (!match) throw new Error(`${manifest} declares no terminationGracePeriodSeconds`);
  return Number(match[1]) * 1_000;
}

const HELD_MS = 1_500;

/**
 * A clean stop: NestJS runs the shutdown hooks and then re-raises the signal (so the exit is by
 * SIGTERM, or 0), a failed shutdown exits 1. Waiting at least as long as the answer was held shows
 * the process finished the batch in flight instead of dying on the signal.
 */
function graceful(exit: ServiceExit, manifest: string, service: ServiceProcess, proxy: TcpFaultProxy) {
  const verdict = {
    clean: (exit.code === null && exit.signal === 'SIGTERM') || exit.code === 0,
    waitedForTheBatch: exit.ms >= HELD_MS - 100,
    inGrace: exit.ms < gracePeriodMs(manifest),
  };
  // On failure: how it exited, what was held, and the service's last words.
  if (Object.values(verdict).every(Boolean)) return verdict;
  return { ...verdict, exit, held: proxy.faults, output: service.output().slice(-2_000) };
}

/**
 * SIGTERM (what the kubelet sends before SIGKILL) while a batch is in flight: a proxy in front of
 * the store holds the store's answer to the batch's write, the service gets SIGTERM, and the answer
 * arrives 1.5 s later, during shutdown. The service must exit cleanly within its pod's grace period,
 * having either committed the batch or left it uncommitted (then the restarted service writes it
 * again); afterwards the checker finds every row of PostgreSQL, exactly, in every store.
 */
describe('SIGTERM with a batch in flight', () => {
  let pipeline: Pipeline;
  let migrator: ServiceProcess;

  beforeAll(async () => {
    pipeline = await Pipeline.create('sigterm', 300);
    migrator = await pipeline.startMigrator();
    await pipeline.ready(migrator);
    const job = await pipeline.backfill({ BATCH_SIZE: '100' });
    expect({ code: job.code, tail: job.code === 0 ? '' : job.stderr.slice(-3000) }).toEqual({ code: 0, tail: '' });
  }, 240_000);

  afterAll(async () => {
    await pipeline?.close();
  }, 120_000);

  it('clickhouse-populator: the INSERT in flight is flushed or replayed, the process exits within its grace period, ClickHouse exact', async () => {
    const url = new URL(String(pipeline.env.CLICKHOUSE_URL));
    const proxy = await new TcpFaultProxy(url.hostname, Number(url.port)).start();
    try {
      const held = proxy.holdReplies(isBatchInsert);
      const populator = await pipeline.startPopulator({
        CLICKHOUSE_URL: `http://127.0.0.1:${proxy.port}`,
        LOG_LEVEL: 'info',
        CLICKHOUSE_POPULATOR_BATCH_ROWS: '50',
        CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: '200',
      });
      await held;
      const releaser = setTimeout(() => proxy.release(), HELD_MS);
      const exit = await terminate(populator);
      clearTimeout(releaser);
      expect(graceful(exit, 'clickhouse-populator.yaml', populator, proxy)).toEqual({ clean: true, waitedForTheBatch: true, inGrace: true });
      expect(populator.output()).not.toMatch(/"level":"(error|fatal)"/);
    } finally {
      await proxy.stop();
    }
    await pipeline.ready(await pipeline.startPopulator({ CLICKHOUSE_POPULATOR_BATCH_ROWS: '50' }));
    await pipeline.sinksCaughtUp(120_000, ['clickhouse']);
    const check = await pipeline.check(['kafka', 'clickhouse']);
    expect({ pairs: check.pairs, failures: check.failures }).toEqual(Pipeline.consistent(['kafka', 'clickhouse']));
  }, 300_000);

  it('weaviate-indexer: the batch in flight is flushed or replayed, the process exits within its grace period, Weaviate exact', async () => {
    const grpcPort = Number(pipeline.env.WEAVIATE_GRPC_PORT);
    const proxy = await new TcpFaultProxy(String(pipeline.env.WEAVIATE_HOST ?? '127.0.0.1'), grpcPort).start();
    try {
      const indexer = await pipeline.startIndexer({
        WEAVIATE_GRPC_PORT: String(proxy.port),
        LOG_LEVEL: 'info',
        INDEXER_MAX_BATCH_RECORDS: '50',
        INDEXER_MAX_BATCH_WAIT_MS: '200',
      });
      await pipeline.ready(indexer);
      // Ready is about the stores; before consuming, the indexer also records its model and looks
      // for stale vectors (gRPC reads of its own). Once it logs that indexing started, the next
      // request on the gRPC port belongs to a batch being written.
      await waitFor('weaviate indexing started', async () => indexer.output().includes('"msg":"weaviate indexing started"'), 60_000);
      const held = proxy.holdReplies((text) => text.length > 200);
      await held;
      const releaser = setTimeout(() => proxy.release(), HELD_MS);
      const exit = await terminate(indexer);
      clearTimeout(releaser);
      expect(graceful(exit, 'weaviate-indexer.yaml', indexer, proxy)).toEqual({ clean: true, waitedForTheBatch: true, inGrace: true });
      expect(indexer.output()).not.toMatch(/"level":"(error|fatal)"/);
    } finally {
      await proxy.stop();
    }
    await pipeline.ready(await pipeline.startIndexer({ INDEXER_MAX_BATCH_RECORDS: '50' }));
    await pipeline.sinksCaughtUp(120_000, ['weaviate']);
    const check = await pipeline.check(['weaviate']);
    expect({ pairs: check.pairs, failures: check.failures }).toEqual(Pipeline.consistent(['weaviate']));
  }, 300_000);

  it('kafka-migrator (streaming): changes published but not yet confirmed on the slot survive SIGTERM, the process exits within its grace period, every store exact', async () => {
    await terminate(migrator);
    const proxy = await new TcpFaultProxy('127.0.0.1', Number(pipeline.env.PGPORT)).start();
    try {
      const streaming = await pipeline.startMigrator({ PGPORT: String(proxy.port), PGHOST: '127.0.0.1', LOG_LEVEL: 'info' });
      await pipeline.ready(streaming);
      // The slot is advanced only after Kafka acknowledged the changes read: holding the answer to
      // the advance keeps a published batch unconfirmed when SIGTERM arrives.
      const held = proxy.holdReplies((text) => text.includes('pg_replication_slot_advance'));
      await pipeline.db.pool.query(`UPDATE opportunities SET title = title || ' (revised)', updated_at = now()`);
      await held;
      const releaser = setTimeout(() => proxy.release(), HELD_MS);
      const exit = await terminate(streaming);
      clearTimeout(releaser);
      expect(graceful(exit, 'kafka-migrator-cdc.yaml', streaming, proxy)).toEqual({ clean: true, waitedForTheBatch: true, inGrace: true });
      expect(streaming.output()).not.toMatch(/"level":"(error|fatal)"/);
    } finally {
      await proxy.stop();
    }
    await pipeline.ready(await pipeline.startMigrator());
    await pipeline.captured();
    await pipeline.sinksCaughtUp();
    const check = await pipeline.check(['kafka', 'clickhouse', 'weaviate']);
    expect({ pairs: check.pairs, failures: check.failures }).toEqual(Pipeline.consistent(['kafka', 'clickhouse', 'weaviate']));
  }, 300_000);
});
