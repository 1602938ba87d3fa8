import { spawn } from 'node:child_process';
import { createMigratedDatabase, freePort, type MigratedDatabase } from '@mch/testing-stack';
import { TEST_API_TOKEN, WORKSPACE_ROOT, httpStatus, startService } from './support/service-process';

interface LogLine {
  level: string;
  msg: string;
  code?: string;
  [field: string]: unknown;
}

const ALL_MISSING =
  '016_event_sourcing_infrastructure, 017_microservices_tracking, 018_migration_state, 019_consistency_check_runs, 020_processing_status_view';

/**
 * Every entry-point mode that uses PostgreSQL, as the image runs it (`node main.js <args>`). The
 * Kafka/ClickHouse/Weaviate-only commands (snapshot, backup, ...) are not gated.
 */
const POSTGRES_MODES: { app: string; args: string[] }[] = [
  { app: 'event-store', args: [] },
  { app: 'kafka-migrator', args: [] },
  { app: 'kafka-migrator', args: ['backfill'] },
  { app: 'kafka-migrator', args: ['status'] },
  { app: 'clickhouse-populator', args: [] },
  { app: 'clickhouse-populator', args: ['historical-load'] },
  { app: 'weaviate-indexer', args: [] },
  { app: 'weaviate-indexer', args: ['job'] },
  { app: 'consistency-checker', args: [] },
  { app: 'consistency-checker', args: ['check'] },
];

/** Runs an app's entry point to its exit; resolves with the exit code and its JSON log lines. */
function run(
  app: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
): Promise<{ code: number | null; lines: LogLine[]; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', './tools/scripts/register.js', `apps/${app}/src/main.ts`, ...args],
      {
        cwd: WORKSPACE_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${app} ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${output.slice(-3_000)}`),
      );
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
      resolve({ code, lines, output });
    });
  });
}

describe('every app refuses to start on a database without the schema migrations, naming them', () => {
  let db: MigratedDatabase;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The monolith's schema, none of the toolkit's migrations: a database no one ran `migrate up` on.
    db = await createMigratedDatabase('schema_gate', { migrations: false });
    env = {
      ...process.env,
      PGDATABASE: db.name,
      API_TOKEN: TEST_API_TOKEN,
      MIGRATION_RUN: 'schema-gate-test',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('each PostgreSQL mode exits 1 with one JSON error line naming all five missing migrations', async () => {
    const results = [];
    // Two at a time: the machine is shared.
    for (let i = 0; i < POSTGRES_MODES.length; i += 2) {
      const batch = POSTGRES_MODES.slice(i, i + 2);
      results.push(
        ...(await Promise.all(
          batch.map(async ({ app, args }) => ({
            app,
            args,
            ...(await run(app, args, { ...env, HTTP_PORT: String(await freePort()) })),
          })),
        )),
      );
    }
    for (const { app, args, code, lines, output } of results) {
      const errors = lines.filter((l) => l.level === 'error');
      expect({
        mode: `${app} ${args.join(' ')}`,
        code,
        errors: errors.length,
        output: errors.length === 1 ? '' : output,
      }).toEqual({
        mode: `${app} ${args.join(' ')}`,
        code: 1,
        errors: 1,
        output: '',
      });
      expect(errors[0]).toMatchObject({
        code: 'PRECONDITION_FAILED',
        msg: `${app} failed to start: schema migrations missing: ${ALL_MISSING}; run 'migrate up'`,
      });
    }
  }, 300_000);

  it('`migrate up` from an app image applies them (idempotent, exit 0); a partial schema is refused naming only what is missing; a migrated one starts', async () => {
    const status = await run('event-store', ['migrate', 'status'], { ...env, LOG_LEVEL: 'info' });
    expect(status.code).toBe(0);
    expect(status.lines.find((l) => l.msg === 'schema migration status')).toMatchObject({
      applied: [],
      pending: ALL_MISSING.split(', '),
    });

    const up = await run('kafka-migrator', ['migrate', 'up'], { ...env, LOG_LEVEL: 'info' });
    expect({ code: up.code, output: up.code === 0 ? '' : up.output }).toEqual({ code: 0, output: '' });
    expect(up.lines.find((l) => l.msg === 'schema migrations applied')).toMatchObject({
      applied: ALL_MISSING.split(', '),
    });
    const again = await run('event-store', ['migrate', 'up'], { ...env, LOG_LEVEL: 'info' });
    expect(again.code).toBe(0);
    expect(again.lines.find((l) => l.msg === 'schema migrations applied')).toMatchObject({ applied: [] });

    // Two reverted: the refusal names exactly those two.
    expect((await run('event-store', ['migrate', 'down', '2'], env)).code).toBe(0);
    const partial = await run('consistency-checker', ['history'], env);
    expect(partial.code).toBe(1);
    expect(partial.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      "consistency-checker failed to start: schema migrations missing: 019_consistency_check_runs, 020_processing_status_view; run 'migrate up'",
    ]);
    expect((await run('event-store', ['migrate', 'up'], env)).code).toBe(0);

    // Migrated: a PostgreSQL command runs to its exit code, and the service starts and is live.
    const history = await run('consistency-checker', ['history'], env);
    expect({ code: history.code, output: history.code === 0 ? '' : history.output }).toEqual({
      code: 0,
      output: '',
    });
    const service = startService('event-store', await freePort(), env);
    try {
      const deadline = Date.now() + 90_000;
      let live = await httpStatus(`${service.url}/health/live`);
      while (live.status !== 200 && service.child.exitCode === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        live = await httpStatus(`${service.url}/health/live`);
      }
      expect({ status: live.status, output: live.status === 200 ? '' : service.output() }).toEqual({
        status: 200,
        output: '',
      });
    } finally {
      await service.stop();
    }
    // Nothing about the schema: no refusal, no undefined table (42P01). (Kafka's own transient
    // errors on the shared stack are not this test's subject.)
    expect(service.output()).not.toContain('schema migrations missing');
    expect(service.output()).not.toContain('42P01');
  }, 300_000);

  it('rejects bad migrate arguments with exit code 2 and the usage', async () => {
    const bad = await run('event-store', ['migrate', 'sideways'], env);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('usage: migrate up | status | down [steps]');
  }, 60_000);
});
