import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { countRows } from '@mch/data-clickhouse-analytics';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '@mch/data-clickhouse-analytics/testing';
import { countObjects } from '@mch/data-weaviate-index';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import type { ClickHouseTrimAction, KafkaResetGroupOffsetsAction, RollbackPlan, WeaviatePurgeAction } from './rollback.types';
import { createRehearsalPipeline, type RehearsalPipeline } from './testing-pipeline';

const ROOT = resolve(__dirname, '../../../..');
const quiet = createLogger({ service: 'rollback-sigkill-it', level: 'error', sink: () => undefined });

/**
 * The image's entry point, built as the Dockerfile builds it (tools/scripts/build-app.js) into a
 * private tree, so the shared workspace's dist/ is neither needed nor touched.
 */
function buildConsistencyChecker(): { main: string; cleanup(): void } {
  const tree = mkdtempSync(join(tmpdir(), 'mch-rollback-build-'));
  mkdirSync(join(tree, 'tools/scripts'), { recursive: true });
  copyFileSync(join(ROOT, 'tools/scripts/build-app.js'), join(tree, 'tools/scripts/build-app.js'));
  for (const entry of ['apps', 'libs', 'tsconfig.base.json', 'package.json', 'node_modules']) symlinkSync(join(ROOT, entry), join(tree, entry));
  const build = spawnSync(process.execPath, [join(tree, 'tools/scripts/build-app.js'), 'consistency-checker'], { cwd: tree, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed (exit ${build.status}): ${build.stderr || build.stdout}`);
  return { main: join(tree, 'dist/apps/consistency-checker/main.js'), cleanup: () => rmSync(tree, { recursive: true, force: true }) };
}

function run(main: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [main, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

describe('rollback apply killed with SIGKILL mid-way (built CLI, real stores)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let ch: ClickHouseTestDatabase;
  let clickhouse: ClickHouseClient;
  let pipeline: RehearsalPipeline;
  let build: { main: string; cleanup(): void };
  let env: NodeJS.ProcessEnv;
  let point: string;

  beforeAll(async () => {
    build = buildConsistencyChecker();
    db = await createMigratedDatabase('rollback_sigkill', { load: { opportunities: 200, seed: 16 } });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'rollback-sigkill-it', logger: quiet });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    ch = await createClickHouseTestDatabase('rollback_sigkill');
    clickhouse = ch.client;
    pipeline = await createRehearsalPipeline({ pool: db.pool, kafka, clickhouse, weaviate, logger: quiet, label: 'rbkill' });
    await pipeline.startConsumers();
    await pipeline.backfill({ pauseAfter: 100 });
    await pipeline.caughtUp();
    await new Promise((r) => setTimeout(r, 50));
    point = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    await pipeline.backfill();
    await pipeline.caughtUp();
    await pipeline.stopConsumers();
    env = {
      ...process.env,
      PGDATABASE: db.name,
      CLICKHOUSE_DATABASE: ch.name,
      WEAVIATE_COLLECTION_PREFIX: pipeline.collectionPrefix,
      MCH_OPERATOR: 'sigkill-it',
      LOG_LEVEL: 'info',
    };
  }, 240_000);

  afterAll(async () => {
    await pipeline?.close();
    await weaviate?.close();
    await ch?.drop();
    await db?.drop();
    build?.cleanup();
  });

  it('re-running the same apply after a SIGKILL completes the recorded plan, ending where the plan said', async () => {
    const args = ['--to', point, '--groups', `${pipeline.groups.clickhouse},${pipeline.groups.weaviate}`, '--entities', 'opportunity'];
    const planned = await run(build.main, ['rollback', 'plan', ...args], env).done;
    expect({ code: planned.code, stderr: planned.stderr.split('\n').filter((l) => /"level":"(error|warn)"/.test(l)) }).toEqual({ code: 0, stderr: [] });
    const plan = JSON.parse(planned.stdout) as RollbackPlan;
    expect(plan.actions.length).toBeGreaterThan(4);

    // Kill it as soon as the first step is recorded done (polled in PostgreSQL).
    const first = run(build.main, ['rollback', 'apply', ...args], env);
    let doneAtKill = -1;
    for (let i = 0; i < 3_000 && doneAtKill < 1; i++) {
      const steps = await db.pool
        .query<{ n: number }>(`SELECT count(*) FILTER (WHERE done_at IS NOT NULL)::int AS n FROM rollback_steps`)
        .catch(() => ({ rows: [{ n: 0 }] }));
      doneAtKill = steps.rows[0].n;
      if (doneAtKill >= 1) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const interrupted = await db.pool.query<{ status: string; done: number; total: number }>(
      `SELECT r.status, count(*) FILTER (WHERE s.done_at IS NOT NULL)::int AS done, count(*)::int AS total
         FROM rollback_runs r JOIN rollback_steps s ON s.run_id = r.id GROUP BY r.id, r.status`,
    );
    expect(interrupted.rows).toHaveLength(1);
    expect(interrupted.rows[0].status).toBe('running');
    expect(interrupted.rows[0].done).toBeGreaterThanOrEqual(1);
    // The kill landed before the end (otherwise this test proves nothing about resuming).
    expect(interrupted.rows[0].done).toBeLessThan(interrupted.rows[0].total);

    const second = await run(build.main, ['rollback', 'apply', ...args], env).done;
    // On failure, the CLI's own error lines say which step or preflight refused.
    expect({ code: second.code, stderr: second.code === 0 ? '' : second.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(second.stdout) as { resumed: boolean; stepsSkipped: number; stepsApplied: number; plan: RollbackPlan };
    expect(result.resumed).toBe(true);
    expect(result.stepsSkipped).toBe(interrupted.rows[0].done);
    expect(result.stepsSkipped + result.stepsApplied).toBe(plan.actions.length);
    // The recorded (and resumed) plan is the one `plan` printed before anything changed.
    expect(result.plan.actions).toEqual(plan.actions);
    const run2 = await db.pool.query(`SELECT status, started_by, last_error FROM rollback_runs`);
    expect(run2.rows).toEqual([{ status: 'completed', started_by: 'sigkill-it', last_error: null }]);

    // Same end state as an uninterrupted apply: each store holds the plan's after-values.
    for (const action of plan.actions) {
      if (action.kind === 'clickhouse.trim-since') {
        const t = action as ClickHouseTrimAction;
        expect([t.table, await countRows(clickhouse, t.table)]).toEqual([t.table, t.rowsAfter]);
      } else if (action.kind === 'weaviate.purge-since') {
        const p = action as WeaviatePurgeAction;
        expect([p.collection, await countObjects(weaviate, p.collection)]).toEqual([p.collection, p.objectsAfter]);
      } else if (action.kind === 'kafka.reset-group-offsets') {
        const k = action as KafkaResetGroupOffsetsAction;
        const admin = kafka.admin();
        await admin.connect();
        const [offsets] = await admin.fetchOffsets({ groupId: k.groupId, topics: [k.topic] });
        await admin.disconnect();
        expect(offsets.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(k.partitions.map((p) => [p.partition, p.after]).sort());
      }
    }
    expect((await db.pool.query(`SELECT status FROM data_migration_state`)).rows).toEqual([{ status: 'paused' }]);
  }, 240_000);
});
