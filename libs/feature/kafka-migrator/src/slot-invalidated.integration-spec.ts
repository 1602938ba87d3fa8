import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { ENTITY_TOPICS, deadLetterTopicsOf } from '@mch/contracts';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS } from '@mch/data-consistency';
import { LogicalChangeCapture } from '@mch/data-kafka-migration';
import { createKafka } from '@mch/infra-kafka';
import type { LoadedServiceConfig } from '@mch/nest-bootstrap';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { runBackfillJob } from './backfill.job';
import { ChangeStreamerRunner } from './change-streamer.runner';
import { kafkaMigratorConfigSchema } from './kafka-migrator.config';
import { runResnapshotCommand } from './resnapshot.command';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A PostgreSQL 15 of its own: invalidating a slot needs max_slot_wal_keep_size, a server-wide
 * setting that on the shared stack would threaten every other run's slots. 1 MB WAL segments keep
 * the WAL it takes small.
 */
class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'mch-slot-invalidated-'));
  readonly password = randomBytes(18).toString('base64url');
  port = 0;
  private readonly asRoot = process.getuid?.() === 0;

  private run(args: string[]): void {
    const [bin, ...rest] = args;
    if (this.asRoot)
      execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...rest], { stdio: 'pipe' });
    else execFileSync(join(PG_BIN, bin), rest, { stdio: 'pipe' });
  }

  async start(): Promise<void> {
    if (this.asRoot) execFileSync('chown', ['postgres:postgres', this.dir]);
    const pwfile = join(this.dir, 'pw');
    writeFileSync(pwfile, this.password, { mode: 0o600 });
    if (this.asRoot) execFileSync('chown', ['postgres:postgres', pwfile]);
    this.run([
      'initdb',
      '-D',
      join(this.dir, 'data'),
      '-U',
      'mch',
      '--auth=scram-sha-256',
      `--pwfile=${pwfile}`,
      '--wal-segsize=1',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    rmSync(pwfile);
    this.port = await freePort();
    const options = [
      `-c port=${this.port}`,
      `-c listen_addresses=127.0.0.1`,
      `-c unix_socket_directories=${this.dir}`,
      '-c wal_level=logical',
      '-c max_slot_wal_keep_size=1MB',
      '-c fsync=off',
    ].join(' ');
    chmodSync(this.dir, 0o755);
    this.run([
      'pg_ctl',
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-o',
      options,
      'start',
    ]);
  }

  env(): Record<string, string> {
    return {
      PGHOST: '127.0.0.1',
      PGPORT: String(this.port),
      PGUSER: 'mch',
      PGPASSWORD: this.password,
      PGDATABASE: 'postgres',
      PGSSLMODE: 'disable',
    };
  }

  stop(): void {
    if (existsSync(join(this.dir, 'data', 'postmaster.pid'))) {
      try {
        this.run(['pg_ctl', '-D', join(this.dir, 'data'), '-m', 'immediate', 'stop']);
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const PG_ENV = [
  'PGHOST',
  'PGPORT',
  'PGUSER',
  'PGPASSWORD',
  'PGDATABASE',
  'PGSSLMODE',
  'PGSSLROOTCERT',
  'PGSSLCERT',
  'PGSSLKEY',
];

describe('a slot invalidated by max_slot_wal_keep_size (wal_status lost) is detected and recovered', () => {
  const server = new PrivatePostgres();
  const saved = Object.fromEntries(PG_ENV.map((k) => [k, process.env[k]]));
  let db: MigratedDatabase;
  let kafka: Kafka;
  const runners: ChangeStreamerRunner[] = [];
  const prefix = `it-${randomUUID().slice(0, 8)}.`;
  const run = `slot-lost-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await server.start();
    for (const k of PG_ENV) delete process.env[k];
    Object.assign(process.env, server.env());
    db = await createMigratedDatabase('slot_invalidated', { load: { opportunities: 300, seed: 53 } });
  }, 120_000);

  afterAll(async () => {
    for (const runner of runners) await runner.onApplicationShutdown().catch(() => undefined);
    if (kafka) {
      const admin = kafka.admin();
      await admin.connect();
      const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics: own }).catch(() => undefined);
      await admin.disconnect();
    }
    await db?.pool.end().catch(() => undefined);
    server.stop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('a restart after the slot fell behind max_slot_wal_keep_size stays unready with the gap recorded; resnapshot makes postgres/kafka CONSISTENT', async () => {
    const settings = {
      MIGRATION_RUN: run,
      ENTITIES: 'opportunity',
      CAPTURE_MODE: 'logical',
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'error',
    };
    const env = { ...process.env, ...server.env(), PGDATABASE: db.name, ...settings };
    const app = kafkaMigratorConfigSchema.parse(settings);
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'kafka-migrator',
      level: 'info',
      sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'slot-invalidated-it', logger });
    const service = () => {
      const runner = new ChangeStreamerRunner(db.pool, kafka, logger, {
        app,
      } as unknown as LoadedServiceConfig);
      runner.recheckMs = 300;
      runners.push(runner);
      return runner;
    };
    const capture = new LogicalChangeCapture(db.pool, logger, { name: run, entities: ['opportunity'] });

    const first = service();
    await first.onApplicationBootstrap();
    await until('the first streamer to be ready', () => first.readiness().ready);
    expect(await runBackfillJob({ ...env, MIGRATOR_MODE: 'backfill', BATCH_SIZE: '100' })).toBe(0);
    const own: string[] = [];
    for (let i = 0; i < 6; i++) {
      const inserted = await db.pool.query<{ id: string }>(
        `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, award_amount, sam_raw_data, created_at, updated_at)
         VALUES ($1, 'Before the outage', 'DEFENSE HEALTH AGENCY', now(), now() + interval '20 days', 10.5, '{}', now(), now()) RETURNING id::text AS id`,
        [`LOST-${randomUUID()}`],
      );
      own.push(inserted.rows[0].id);
    }
    const streamed = (await db.pool.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`))
      .rows[0].lsn;
    await until('the inserts to be streamed', async () => {
      const r = await db.pool.query(
        `SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND confirmed_flush_lsn >= $2::pg_lsn`,
        [capture.slot, streamed],
      );
      return r.rowCount === 1;
    });

    // The service is down for long (scaled to zero) while the monolith writes; the slot falls
    // further behind than max_slot_wal_keep_size and PostgreSQL invalidates it at a checkpoint.
    await first.onApplicationShutdown();
    await db.pool.query(
      `UPDATE opportunities SET title = 'Changed during the outage', updated_at = now() WHERE id IN (SELECT id FROM opportunities ORDER BY id LIMIT 20)`,
    );
    await db.pool.query(`DELETE FROM opportunities WHERE id = ANY($1::uuid[])`, [own.slice(0, 3)]);
    await db.pool.query(
      `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, award_amount, sam_raw_data, created_at, updated_at)
       SELECT 'OUTAGE-' || g, 'Inserted during the outage', 'DEFENSE HEALTH AGENCY', now(), now(), 1, '{}', now(), now() FROM generate_series(1, 5) g`,
    );
    await db.pool.query(`CREATE TABLE wal_filler (n int, pad text)`);
    await until(
      'PostgreSQL to invalidate the slot',
      async () => {
        await db.pool.query(
          `INSERT INTO wal_filler SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 3000) g`,
        );
        await db.pool.query(`CHECKPOINT`);
        const slot = await db.pool.query<{ wal_status: string }>(
          `SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1`,
          [capture.slot],
        );
        return slot.rows[0]?.wal_status === 'lost';
      },
      60_000,
    );

    // The restarted service refuses to stream: unready, the error names the loss, the gap is on the run.
    const second = service();
    await second.onApplicationBootstrap();
    await until(
      'the restarted service to report the lost slot',
      () => second.readiness().reason === 'replication_slot_lost',
    );
    expect(second.readiness()).toMatchObject({
      ready: false,
      details: { slot: capture.slot, run, loss: 'invalidated' },
    });
    expect(lines.find((l) => l.msg === 'change capture stopped: replication slot lost')).toMatchObject({
      level: 'error',
      reason: 'invalidated',
      slot: capture.slot,
    });
    expect((await capture.record.read())?.gap).toMatchObject({ reason: 'invalidated', slot: capture.slot });
    // Not re-created behind the operator's back: the invalidated slot is still the one there.
    expect(
      (
        await db.pool.query(`SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1`, [
          capture.slot,
        ])
      ).rows,
    ).toEqual([{ wal_status: 'lost' }]);

    expect(
      await runResnapshotCommand({ ...env, RESNAPSHOT_CHUNK_ROWS: '50', RESNAPSHOT_WAIT_MS: '30000' }),
    ).toBe(0);
    await until('the service to resume', () => second.readiness().ready, 20_000);
    await db.pool.query(
      `UPDATE opportunities SET title = 'After the recovery', updated_at = now() WHERE id = $1`,
      [own[4]],
    );
    const last = (await db.pool.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`))
      .rows[0].lsn;
    await until('the resumed streamer to pass the last write', async () => {
      const r = await db.pool.query(
        `SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND confirmed_flush_lsn >= $2::pg_lsn`,
        [capture.slot, last],
      );
      return r.rowCount === 1;
    });

    const report = await new ConsistencyChecker({ pool: db.pool, kafka }).run({
      ...DEFAULT_CHECK_OPTIONS,
      entities: ['opportunity'],
      targets: ['kafka'],
      topicFor: (entity) => `${prefix}${ENTITY_TOPICS[entity].name}`,
      deadLetterTopicsFor: (entity) => deadLetterTopicsOf(entity, prefix),
      migrationId: app.migrationId,
      watermark: new Date(),
      kafkaTimeoutMs: 60_000,
      logger: createLogger({ service: 'slot-invalidated-it', level: 'error', sink: () => undefined }),
    });
    expect(report.failures).toEqual([]);
    expect(report.verdict).toBe('consistent');
  }, 150_000);
});
