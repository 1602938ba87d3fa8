import { startLiveWriter, type LiveWriter, type ServiceProcess } from '@mch/testing-stack';
import { faultStack } from './support/fault-stack';
import { Pipeline } from './support/pipeline';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Real outages of the stores while data flows: the fault stack's Kafka, then its ClickHouse and
 * Weaviate, are stopped and started again (tools/stack/fault-stack.sh down/up) while the monolith
 * writes, the migrator streams its changes and both sinks consume. A service that gives up during
 * the outage exits non-zero and is started again, as Kubernetes restarts a pod; afterwards the
 * checker finds every row of PostgreSQL, exactly, in Kafka, ClickHouse and Weaviate.
 */
describe('stores stopped and restarted while data flows', () => {
  let pipeline: Pipeline;
  let writer: LiveWriter | undefined;
  const restarts: string[] = [];
  let supervising = true;
  let supervisor: Promise<void> = Promise.resolve();

  /** restartPolicy: Always, for the three services of the pipeline. */
  function supervise(start: () => Promise<ServiceProcess>, first: ServiceProcess): void {
    const loop = async (service: ServiceProcess): Promise<void> => {
      const code = await service.exited;
      if (!supervising) return;
      restarts.push(`${service.name} exited ${code}`);
      await sleep(2_000);
      if (supervising) await loop(await start());
    };
    supervisor = Promise.all([supervisor, loop(first)]).then(() => undefined);
  }

  beforeAll(async () => {
    pipeline = await Pipeline.create('outage', 200);
    const migrator = await pipeline.startMigrator();
    await pipeline.ready(migrator);
    const job = await pipeline.backfill({ BATCH_SIZE: '100' });
    expect({ code: job.code, tail: job.code === 0 ? '' : job.stderr.slice(-3000) }).toEqual({ code: 0, tail: '' });
    const populator = await pipeline.startPopulator({ CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: '200' });
    const indexer = await pipeline.startIndexer({ INDEXER_MAX_BATCH_WAIT_MS: '200' });
    await pipeline.ready(populator, indexer);
    supervise(() => pipeline.startMigrator(), migrator);
    supervise(() => pipeline.startPopulator({ CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: '200' }), populator);
    supervise(() => pipeline.startIndexer({ INDEXER_MAX_BATCH_WAIT_MS: '200' }), indexer);
  }, 240_000);

  afterAll(async () => {
    supervising = false;
    await writer?.stop();
    // Whatever happened, the fault stack is left running for the next spec.
    for (const store of ['kafka', 'clickhouse', 'weaviate'] as const) faultStack('up', store);
    await pipeline?.close();
    await supervisor;
  }, 180_000);

  async function settleAndCheck() {
    await pipeline.captured(180_000);
    await pipeline.sinksCaughtUp(180_000);
    return pipeline.check(['kafka', 'clickhouse', 'weaviate']);
  }

  it('Kafka down for 20 s and back: the migrator and both sinks resume, nothing lost or duplicated', async () => {
    writer = startLiveWriter(pipeline.db.pool, `${pipeline.run}-k`, [], 50);
    await sleep(3_000);
    faultStack('down', 'kafka');
    await sleep(20_000);
    faultStack('up', 'kafka');
    await sleep(3_000);
    const written = await writer.stop();
    writer = undefined;
    expect(written.errors).toEqual([]);
    const check = await settleAndCheck();
    expect({ pairs: check.pairs, failures: check.failures }).toEqual(Pipeline.consistent(['kafka', 'clickhouse', 'weaviate']));
    // What the outage did to the services (restarts are allowed; they are how a pod recovers).
    console.info(`kafka outage: ${written.transactions} transactions written; restarts: ${restarts.join(', ') || 'none'}; ms: ${pipeline.timings.splice(0).join(', ')}`);
  }, 300_000);

  it('ClickHouse and Weaviate down mid-write and back: the sinks retry or restart and resume, both stores exact', async () => {
    restarts.length = 0;
    writer = startLiveWriter(pipeline.db.pool, `${pipeline.run}-s`, [], 50);
    await sleep(3_000);
    faultStack('down', 'clickhouse');
    faultStack('down', 'weaviate');
    await sleep(10_000);
    faultStack('up', 'clickhouse');
    faultStack('up', 'weaviate');
    await sleep(3_000);
    const written = await writer.stop();
    writer = undefined;
    expect(written.errors).toEqual([]);
    const check = await settleAndCheck();
    expect({ pairs: check.pairs, failures: check.failures }).toEqual(Pipeline.consistent(['kafka', 'clickhouse', 'weaviate']));
    console.info(`clickhouse/weaviate outage: ${written.transactions} transactions written; restarts: ${restarts.join(', ') || 'none'}; ms: ${pipeline.timings.splice(0).join(', ')}`);
  }, 300_000);
});
