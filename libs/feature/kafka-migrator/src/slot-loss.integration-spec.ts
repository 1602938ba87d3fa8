import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ENTITY_TOPICS, deadLetterTopicsOf } from '@mch/contracts';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS } from '@mch/data-consistency';
import { LogicalChangeCapture, ReplicationSlotLostError, SLOT_PREFIX } from '@mch/data-kafka-migration';
import { createKafka } from '@mch/infra-kafka';
import type { LoadedServiceConfig } from '@mch/nest-bootstrap';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { runBackfillJob } from './backfill.job';
import { ChangeStreamerRunner } from './change-streamer.runner';
import { kafkaMigratorConfigSchema } from './kafka-migrator.config';
import { KafkaMigratorMetrics } from './kafka-migrator.metrics';
import { ServiceMetrics, parseExposition, sumOf } from '@mch/util-metrics';
import { runResnapshotCommand } from './resnapshot.command';

const ROWS = 600;
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

/** Inserts, updates and deletes opportunities (its own inserts only: fixture rows are referenced). */
function startWriter(db: MigratedDatabase) {
  let running = true;
  const counts = { inserts: 0, updates: 0, deletes: 0 };
  const own: string[] = [];
  const done = (async () => {
    const ids = (await db.pool.query<{ id: string }>('SELECT id::text AS id FROM opportunities')).rows.map(
      (r) => r.id,
    );
    for (let i = 0; running; i++) {
      const op = i % 5;
      if (op === 0 || op === 2) {
        const inserted = await db.pool.query<{ id: string }>(
          `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, award_amount, sam_raw_data, created_at, updated_at)
           VALUES ($1, $2, 'DEFENSE HEALTH AGENCY', now(), now() + interval '20 days', 1234.56, '{"type":"Solicitation"}', now(), now())
           RETURNING id::text AS id`,
          [`SLOT-${randomUUID()}`, `Inserted ${i}`],
        );
        own.push(inserted.rows[0].id);
        counts.inserts++;
      } else if (op === 4 && own.length > 4) {
        const [id] = own.splice((i * 7919) % own.length, 1);
        await db.pool.query('DELETE FROM opportunities WHERE id = $1', [id]);
        counts.deletes++;
      } else {
        await db.pool.query(
          `UPDATE opportunities SET title = $2, award_amount = $3, updated_at = now() WHERE id = $1`,
          [ids[(i * 104729) % ids.length], `Changed ${i}`, (i % 1000) + 0.25],
        );
        counts.updates++;
      }
      await sleep(5);
    }
  })();
  return {
    counts,
    own,
    snapshot: () => ({ ...counts }),
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** Drops the slot from another session, ending the streamer's read if it holds the slot. */
async function dropSlot(db: MigratedDatabase, slot: string): Promise<void> {
  await until('the slot to be dropped', async () => {
    await db.pool.query(
      `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`,
      [slot],
    );
    try {
      await db.pool.query(`SELECT pg_drop_replication_slot($1)`, [slot]);
      return true;
    } catch {
      return false; // taken again between the two statements: try again
    }
  });
}

describe('a lost replication slot is detected, never papered over, and recovered by an incremental re-snapshot', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  const prefix = `it-${randomUUID().slice(0, 8)}.`;
  let runner: ChangeStreamerRunner | undefined;
  let writer: ReturnType<typeof startWriter> | undefined;
  const lines: Record<string, unknown>[] = [];
  const run = `slot-loss-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    db = await createMigratedDatabase('slot_loss', { load: { opportunities: ROWS, seed: 47 } });
  }, 120_000);

  afterAll(async () => {
    await writer?.stop().catch(() => undefined);
    await runner?.onApplicationShutdown().catch(() => undefined);
    // Slots left by a failed run: ended (a create still waiting holds its slot) and dropped.
    await db?.pool
      .query(
        `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name LIKE $1 AND database = current_database() AND active_pid IS NOT NULL`,
        [`${SLOT_PREFIX}%`],
      )
      .catch(() => undefined);
    await db?.pool
      .query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE $1 AND database = current_database()`,
        [`${SLOT_PREFIX}%`],
      )
      .catch(() => undefined);
    if (kafka) {
      const admin = kafka.admin();
      await admin.connect();
      const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics: own }).catch(() => undefined);
      await admin.disconnect();
    }
    await db?.drop();
  });

  it('stops capture with the error, turns unready, records the gap; the documented re-snapshot under writes leaves postgres/kafka CONSISTENT', async () => {
    const settings = {
      MIGRATION_RUN: run,
      ENTITIES: 'opportunity',
      CAPTURE_MODE: 'logical',
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'error',
    };
    const env = { ...process.env, PGDATABASE: db.name, ...settings };
    const app = kafkaMigratorConfigSchema.parse(settings);
    const logger = createLogger({
      service: 'kafka-migrator',
      level: 'info',
      sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'slot-loss-it', logger });
    runner = new ChangeStreamerRunner(db.pool, kafka, logger, { app } as unknown as LoadedServiceConfig);
    runner.recheckMs = 300;
    const capture = new LogicalChangeCapture(db.pool, logger, { name: run, entities: ['opportunity'] });

    // First start: no slot was ever created for this run, so the service creates it and is ready.
    await runner.onApplicationBootstrap();
    // Creating a logical slot waits for every transaction open on the server at that moment (other
    // databases' too), so on a shared, busy server this can take a while.
    await until('the streamer to be ready', () => runner?.readiness().ready === true, 90_000);
    expect((await capture.record.read())?.slot).toBe(capture.slot);

    writer = startWriter(db);
    // The backfill Job, as deployed.
    expect(await runBackfillJob({ ...env, MIGRATOR_MODE: 'backfill', BATCH_SIZE: '200' })).toBe(0);
    await until('some writes before the loss', () => writer!.counts.inserts > 10);

    // The slot is dropped by someone else mid-run; the writer goes on, and rows that Kafka already
    // holds are deleted and updated while it is gone.
    await dropSlot(db, capture.slot);
    const atLoss = writer.snapshot();
    const victims = writer.own.splice(0, 3);
    for (const id of victims) await db.pool.query('DELETE FROM opportunities WHERE id = $1', [id]);
    await until('the service to turn unready', () => runner?.readiness().ready === false, 20_000);
    await until('writes while the slot is gone', () => {
      const now = writer!.counts;
      return (
        now.inserts > atLoss.inserts + 5 &&
        now.updates > atLoss.updates + 5 &&
        now.deletes > atLoss.deletes + 1
      );
    });

    const state = runner.readiness();
    expect(state.reason).toBe('replication_slot_lost');
    expect(state.action).toContain('kafka-migrator resnapshot');
    expect(state.details).toMatchObject({ capture: 'stopped', slot: capture.slot, run, loss: 'missing' });
    // One JSON error line naming slot, run and what to do.
    const stopped = lines.filter(
      (l) => l.level === 'error' && l.msg === 'change capture stopped: replication slot lost',
    );
    expect(stopped.length).toBeGreaterThanOrEqual(1);
    expect(stopped[0]).toMatchObject({
      slot: capture.slot,
      run,
      reason: 'missing',
      action: 'kafka-migrator resnapshot',
    });
    // The gap is on the run, and a restart refuses instead of re-creating the slot.
    const recorded = await db.pool.query<{
      status: string;
      error_details: { kind: string; gap: { slot: string; reason: string } };
    }>(`SELECT status, error_details FROM data_migration_state WHERE migration_name = $1`, [
      `${run}:capture`,
    ]);
    expect(recorded.rows[0]).toMatchObject({
      status: 'failed',
      error_details: { kind: 'slot_lost', gap: { slot: capture.slot, reason: 'missing' } },
    });
    const metrics = new ServiceMetrics('kafka-migrator', { defaultMetrics: false });
    new KafkaMigratorMetrics(metrics, runner, db.pool, { app } as unknown as LoadedServiceConfig);
    expect(sumOf(parseExposition(await metrics.render()), 'mch_migrator_capture_slot_lost')).toBe(1);
    await expect(capture.setup()).rejects.toBeInstanceOf(ReplicationSlotLostError);
    expect(
      (await db.pool.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1`, [capture.slot]))
        .rowCount,
    ).toBe(0);

    // The documented recovery, while the writer keeps writing.
    const beforeRecovery = writer.snapshot();
    const recovery = runResnapshotCommand({
      ...env,
      RESNAPSHOT_CHUNK_ROWS: '100',
      RESNAPSHOT_WAIT_MS: '30000',
    });
    // Still unready while the re-snapshot runs.
    expect(runner.readiness().ready).toBe(false);
    expect(await recovery).toBe(0);
    expect((await capture.record.read())?.gap).toBeNull();
    await until('the service to resume streaming', () => runner?.readiness().ready === true, 20_000);
    await until('writes after the recovery', () => writer!.counts.inserts > beforeRecovery.inserts + 3);
    const during = writer.snapshot();
    // Resumed: the gauge is back to 0, and the counters carry on from before the loss.
    expect(sumOf(parseExposition(await metrics.render()), 'mch_migrator_capture_slot_lost')).toBe(0);
    await writer.stop();

    // Everything written is streamed by the resumed service.
    const barrier = (await db.pool.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`))
      .rows[0].lsn;
    await until('the resumed streamer to pass the last write', async () => {
      const slot = await db.pool.query(
        `SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND confirmed_flush_lsn >= $2::pg_lsn`,
        [capture.slot, barrier],
      );
      return slot.rowCount === 1;
    });

    const report = await new ConsistencyChecker({ pool: db.pool, kafka }).run({
      ...DEFAULT_CHECK_OPTIONS,
      entities: ['opportunity'],
      targets: ['kafka'],
      topicFor: (entity) => `${prefix}${ENTITY_TOPICS[entity].name}`,
      deadLetterTopicsFor: (entity) => deadLetterTopicsOf(entity, app.TOPIC_PREFIX),
      migrationId: app.migrationId,
      watermark: new Date(),
      kafkaTimeoutMs: 60_000,
      logger: createLogger({ service: 'slot-loss-it', level: 'error', sink: () => undefined }),
    });
    console.log(
      JSON.stringify({
        atLoss,
        beforeRecovery,
        during,
        failures: report.failures,
        counts: report.entities[0]?.counts,
      }),
    );
    expect(report.failures).toEqual([]);
    expect(report.verdict).toBe('consistent');
    const live = Number((await db.pool.query(`SELECT count(*) AS n FROM opportunities`)).rows[0].n);
    expect(report.entities[0].counts).toEqual({ postgres: live, kafka: live });
    // Writes happened during the re-snapshot itself, not only before it.
    expect(during.inserts + during.updates).toBeGreaterThan(beforeRecovery.inserts + beforeRecovery.updates);
  }, 200_000);
});
