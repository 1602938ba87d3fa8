import { analyticsTableFor, totalsSql } from '@mch/data-clickhouse-analytics';
import { startLiveWriter } from '@mch/testing-stack';
import { Pipeline, terminate } from './support/pipeline';
import { TcpFaultProxy, isBatchInsert } from './support/tcp-fault-proxy';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * ClickHouse's totals after the faults the consumer group meets: the live entities of each
 * analytics table, counted by the analytics' own query (latest version per id, deletes applied),
 * equal PostgreSQL's row counts; a row written twice would count twice.
 */
async function totals(pipeline: Pipeline) {
  const pg = await pipeline.db.pool.query<{ opportunities: string; documents: string }>(
    `SELECT (SELECT count(*) FROM opportunities)::text AS opportunities, (SELECT count(*) FROM contract_documents)::text AS documents`,
  );
  const live = async (entity: 'opportunity' | 'contract_document') => {
    const table = analyticsTableFor(entity);
    if (!table) throw new Error(`${entity} has no analytics table`);
    const result = await pipeline.clickhouse.query({ query: totalsSql(table, []), format: 'JSONEachRow' });
    return (await result.json<{ count: string }>())[0]?.count;
  };
  return {
    postgres: { opportunities: pg.rows[0]?.opportunities, documents: pg.rows[0]?.documents },
    clickhouse: { opportunities: await live('opportunity'), documents: await live('contract_document') },
  };
}

describe('consumer-group faults of the clickhouse-populator', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await Pipeline.create('populator', 200);
    const migrator = await pipeline.startMigrator();
    await pipeline.ready(migrator);
    const job = await pipeline.backfill({ BATCH_SIZE: '100' });
    expect({ code: job.code, tail: job.code === 0 ? '' : job.stderr.slice(-3000) }).toEqual({ code: 0, tail: '' });
  }, 240_000);

  afterAll(async () => {
    await pipeline?.close();
  }, 120_000);

  it('an INSERT whose connection is cut after ClickHouse received it (unknown outcome) is retried, and the totals stay exact', async () => {
    const url = new URL(String(pipeline.env.CLICKHOUSE_URL));
    const proxy = await new TcpFaultProxy(url.hostname, Number(url.port)).start();
    try {
      const cut = proxy.cutAfterRequest(isBatchInsert);
      const populator = await pipeline.startPopulator({
        CLICKHOUSE_URL: `http://127.0.0.1:${proxy.port}`,
        CLICKHOUSE_POPULATOR_BATCH_ROWS: '100',
        CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: '200',
      });
      await cut;
      await pipeline.sinksCaughtUp(120_000, ['clickhouse']);
      expect(proxy.faults).toHaveLength(1);
      // The populator went on after the cut (the same process: a retry, not a restart).
      expect(populator.child.exitCode).toBeNull();
      expect(populator.output()).toContain('batch write failed; retrying');
      await terminate(populator);
    } finally {
      await proxy.stop();
    }
    const t = await totals(pipeline);
    expect(t.clickhouse).toEqual(t.postgres);
    const check = await pipeline.check(['kafka', 'clickhouse']);
    expect({ pairs: check.pairs, failures: check.failures }).toEqual(Pipeline.consistent(['kafka', 'clickhouse']));
  }, 300_000);

  it('a consumer joining and one leaving the group mid-stream (rebalances): no row lost, none counted twice', async () => {
    const writer = startLiveWriter(pipeline.db.pool, `${pipeline.run}-r`, [], 50);
    const small = { CLICKHOUSE_POPULATOR_BATCH_ROWS: '20', CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: '200' };
    const first = await pipeline.startPopulator(small);
    await pipeline.ready(first);
    await sleep(3_000);
    const second = await pipeline.startPopulator(small); // joins: the group rebalances
    await pipeline.ready(second);
    await sleep(4_000);
    await terminate(first); // leaves mid-stream: its partitions move to the second
    await sleep(4_000);
    const written = await writer.stop();
    expect(written.errors).toEqual([]);
    await pipeline.captured();
    await pipeline.sinksCaughtUp(120_000, ['clickhouse']);
    expect(second.child.exitCode).toBeNull();
    const t = await totals(pipeline);
    expect(t.clickhouse).toEqual(t.postgres);
    const check = await pipeline.check(['kafka', 'clickhouse']);
    expect({ pairs: check.pairs, failures: check.failures }).toEqual(Pipeline.consistent(['kafka', 'clickhouse']));
  }, 300_000);
});
