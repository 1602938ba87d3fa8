import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createMigratedDatabase, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { createPostgresPool, isTransientPostgresError } from '@mch/infra-postgres';
import { loadConfig, postgresEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { retryTransient } from './backfill/transient-retry';
import { ENTITY_SOURCES, sourceColumns, sourceSelectList } from './mapping/entity-sources';
import { mapRow, type RawRow } from './mapping/row-mapper';
import { chunkSql, readChunk } from './backfill/chunk.reader';
import { shardRange } from './backfill/key-range';
import { runBackfill, type BackfillOptions } from './backfill/backfill.runner';
import { sqlProbe } from './backfill/latency-guard';
import { rowTextBytes } from './backfill/chunk-sizer';
import { ProcessingLog } from '@mch/data-consumer-loop';
import { KafkaPublisher } from './publish/kafka.publisher';
import { createMigrationKit, envelopesOf, latestByKey, type MigrationKit } from './testing/migration-harness';

const ROOT = path.resolve(__dirname, '../../../..');

async function currentRows(db: MigratedDatabase): Promise<Map<string, Record<string, unknown>>> {
  const source = ENTITY_SOURCES.opportunity;
  const select = Object.keys(sourceColumns(source)).map((c) => `"${c}"::text AS "${c}"`).join(', ');
  const rows = await db.pool.query<RawRow>(`SELECT ${select} FROM opportunities`);
  return new Map(rows.rows.map((r) => [String(r.id), mapRow(source, r)]));
}

function options(kit: MigrationKit, overrides: Partial<BackfillOptions> = {}): BackfillOptions {
  return {
    entity: 'opportunity',
    run: kit.run,
    shard: { index: 0, count: 1 },
    batchSize: 200,
    captureMode: 'logical',
    owner: `test-${randomUUID().slice(0, 6)}`,
    leaseTtlMs: 30_000,
    maxRowsPerSecond: 0,
    slowAckMs: 10_000,
    maxRetainedWalBytes: 0,
    ...overrides,
  };
}

describe('PostgreSQL -> Kafka backfill (real PostgreSQL and Kafka)', () => {
  let db: MigratedDatabase;
  let kit: MigrationKit;

  beforeAll(async () => {
    db = await createMigratedDatabase('kafka_backfill', { load: { opportunities: 1_500, seed: 11 } });
  }, 120_000);
  beforeEach(async () => {
    kit = await createMigrationKit(db.pool);
  });
  afterEach(async () => {
    // Closed first: a live producer would re-create deleted topics on its next metadata refresh.
    await kit?.close();
    await kit?.dropTopics();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const deps = () => ({ pool: db.pool, publisher: kit.publisher, checkpoints: kit.checkpoints, logger: kit.logger });

  it('migrates every opportunity: one key per row on the topic, each body equal to its mapped row', async () => {
    const summary = await runBackfill(deps(), options(kit));
    const expected = await currentRows(db);
    expect(summary).toMatchObject({ status: 'completed', published: expected.size, failed: 0 });
    const envelopes = envelopesOf(await readWholeTopic(kit.kafka, kit.topic('opportunity')), kit.run.migrationId);
    expect(new Set(envelopes.map((e) => e.aggregateId)).size).toBe(expected.size);
    for (const envelope of envelopes) {
      expect(envelope.data).toEqual(expected.get(envelope.aggregateId));
      expect(envelope).toMatchObject({ eventType: 'OpportunityMigrated', aggregateType: 'Opportunity' });
      expect(envelope.metadata).toMatchObject({ operation: 'snapshot', migrationRun: kit.run.migrationRun, correlationId: kit.run.correlationId });
    }
    const noticeTypes = new Set(envelopes.map((e) => e.data?.noticeType));
    expect(noticeTypes.size).toBeGreaterThan(2);
  });

  it('pages in the database key order, without gaps or repeats', async () => {
    const keys: string[] = [];
    let after: string | null = null;
    for (;;) {
      const chunk = await readChunk(db.pool, ENTITY_SOURCES.opportunity, shardRange(0, 1), after, 97, 'logical');
      if (chunk.rows.length === 0) break;
      keys.push(...chunk.rows.map((r) => String(r.id)));
      after = keys[keys.length - 1];
    }
    const dbOrder = (await db.pool.query<{ id: string }>('SELECT id::text AS id FROM opportunities ORDER BY id')).rows.map((r) => r.id);
    expect(keys).toEqual(dbOrder);
  });

  it('reads each chunk through the primary key index, never sorting the rest of the table', async () => {
    await db.pool.query('ANALYZE opportunities');
    const [middle] = (await db.pool.query<{ id: string }>('SELECT id::text AS id FROM opportunities ORDER BY opportunities.id OFFSET 700 LIMIT 1')).rows;
    const range = shardRange(0, 1);
    const plan = await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${chunkSql(ENTITY_SOURCES.opportunity)}`, [range.lower, range.upper, middle.id, 100, null]);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using opportunities_pkey/);
    expect(text).not.toMatch(/Sort/);
  });

  it("reads only the SAM.gov record's keys the derived fields use, and maps every shape of it to the event of the whole row", async () => {
    // Every shape a jsonb column can hold, on real rows, in a transaction that is rolled back.
    const shapes = [
      `{"type": "Solicitation", "baseType": "Presolicitation", "noticeId": "n1", "award": {"amount": 12345678901234567890.10}}`,
      `{"type": "Award Notice"}`,
      `{}`,
      `{"type": "", "baseType": null}`,
      `{"type": 7, "baseType": {"type": "nested"}}`,
      `["type", "baseType"]`,
      `"Solicitation"`,
      `null`,
      null,
      `{"type": "Sources Sought", "baseType": "Sources Sought", "pointOfContact": [{"fullName": "O'Brien"}]}`,
    ];
    const source = ENTITY_SOURCES.opportunity;
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const ids = (await client.query<{ id: string }>(`SELECT id::text AS id FROM opportunities ORDER BY id LIMIT ${shapes.length}`)).rows.map((r) => r.id);
      for (const [i, shape] of shapes.entries()) await client.query('UPDATE opportunities SET sam_raw_data = $2::jsonb WHERE id = $1', [ids[i], shape]);
      const range = shardRange(0, 1);
      const projected = (await client.query<RawRow>(chunkSql(source), [range.lower, range.upper, null, shapes.length, null])).rows;
      const whole = Object.keys(sourceColumns(source)).map((c) => `"${c}"::text AS "${c}"`).join(', ');
      const full = new Map((await client.query<RawRow>(`SELECT ${whole} FROM opportunities WHERE id = ANY($1::uuid[])`, [ids])).rows.map((r) => [String(r.id), r]));
      expect(projected.map((r) => r.id)).toEqual(ids);
      for (const row of projected) expect(mapRow(source, row)).toEqual(mapRow(source, full.get(String(row.id))!));
      // What is read of the first: the two keys, not the record.
      expect(JSON.parse(projected[0].sam_raw_data!)).toEqual({ type: 'Solicitation', baseType: 'Presolicitation' });
      expect(projected.map((r) => mapRow(source, r).noticeType)).toEqual(['Solicitation', 'Award Notice', null, null, null, null, null, null, null, 'Sources Sought']);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it("times the operator's probe query read-only: a probe that would write fails, writes nothing, and leaves the pool usable", async () => {
    const listing = sqlProbe(db.pool, "SELECT id, title FROM opportunities WHERE status = 'active' ORDER BY response_deadline LIMIT 20");
    expect(await listing()).toBeGreaterThan(0);
    const before = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM opportunities')).rows[0].n;
    const writing = sqlProbe(db.pool, 'WITH gone AS (DELETE FROM opportunities RETURNING 1) SELECT count(*) FROM gone');
    await expect(writing()).rejects.toThrow(/latency probe \(BACKFILL_LATENCY_PROBE_SQL\) failed: .*read-only transaction/);
    expect((await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM opportunities')).rows[0].n).toBe(before);
    // Every connection of the pool is still out of any transaction.
    const states = await Promise.all(Array.from({ length: 4 }, () => db.pool.query<{ transaction_read_only: string }>('SHOW transaction_read_only')));
    expect(states.map((r) => r.rows[0].transaction_read_only)).toEqual(['off', 'off', 'off', 'off']);
  });

  it('a probe whose connection is terminated fails as the database failure it is (retried), not as a bad probe setting', async () => {
    const applicationName = `probe-terminated-${randomUUID().slice(0, 6)}`;
    const pool = createPostgresPool({ ...loadConfig(postgresEnvSchema), PGDATABASE: db.name }, { applicationName, max: 1 });
    try {
      const probe = sqlProbe(pool, 'SELECT pg_sleep(10)');
      const failed = probe().catch((error: unknown) => error);
      const sleepingSql = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query = 'SELECT pg_sleep(10)'";
      while ((await db.pool.query<{ n: number }>(sleepingSql, [applicationName])).rows[0].n === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await db.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      const error = await failed;
      expect(error).toMatchObject({ code: '57P01' });
      expect(isTransientPostgresError(error)).toBe(true);
      expect((error as Error).message).not.toMatch(/BACKFILL_LATENCY_PROBE_SQL/);
    } finally {
      await pool.end();
    }
  });

  it('bounds each chunk by its text as well as its rows: a slow start, then chunks of about chunkMaxBytes', async () => {
    const chunkMaxBytes = 64 * 1024;
    const lastKeys: string[] = [];
    const summary = await runBackfill(deps(), {
      ...options(kit, { batchSize: 1_000, chunkMaxBytes }),
      onProgress: (p) => void lastKeys.push(p.lastKey as string),
    });
    expect(summary).toMatchObject({ status: 'completed', published: 1_500, failed: 0 });
    // Each chunk's rows and text, read back by its key range as the reader reads them (text values).
    const select = sourceSelectList(ENTITY_SOURCES.opportunity);
    const chunks: { rows: number; bytes: number }[] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    for (const last of lastKeys) {
      const rows = (await db.pool.query<RawRow>(`SELECT ${select} FROM opportunities WHERE id > $1::uuid AND id <= $2::uuid`, [after, last])).rows;
      chunks.push({ rows: rows.length, bytes: rowTextBytes(rows) });
      after = last;
    }
    expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(1_500);
    expect(chunks[0].rows).toBe(100);
    const sized = chunks.slice(1, -1).map((c) => c.bytes);
    expect(sized.length).toBeGreaterThan(5);
    expect(Math.max(...sized)).toBeLessThanOrEqual(2 * chunkMaxBytes);
    expect(sized.sort((a, b) => a - b)[Math.floor(sized.length / 2)]).toBeLessThanOrEqual(1.25 * chunkMaxBytes);
  });

  it('two shards together cover every row exactly once', async () => {
    const shards = await Promise.all(
      [0, 1].map((index) => runBackfill(deps(), options(kit, { shard: { index, count: 2 }, owner: `shard-${index}` }))),
    );
    const envelopes = envelopesOf(await readWholeTopic(kit.kafka, kit.topic('opportunity')), kit.run.migrationId);
    const ids = envelopes.map((e) => e.aggregateId);
    expect(ids.length).toBe(1_500);
    expect(new Set(ids).size).toBe(1_500);
    expect(shards[0].published + shards[1].published).toBe(1_500);
    expect(shards.every((s) => s.published > 500)).toBe(true);
  });

  it('a second runner cannot take a shard whose lease is held', async () => {
    const name = `${kit.run.migrationRun}:backfill:opportunity:0-of-1`;
    await kit.checkpoints.start(name, 'opportunity');
    await kit.checkpoints.acquireLease(name, 'old-pod', 60_000);
    await expect(runBackfill(deps(), options(kit, { owner: 'new-pod' }))).rejects.toThrow(/leased by old-pod/);
  });

  it('refuses to run under row level security that would hide rows', async () => {
    const role = `rls_reader_${randomUUID().slice(0, 8)}`;
    const password = randomUUID();
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await db.pool.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const restricted = createPostgresPool({ ...db.config, PGUSER: role, PGPASSWORD: password }, { applicationName: 'rls-test', max: 2 });
    try {
      await expect(
        runBackfill({ ...deps(), pool: restricted }, options(kit)),
      ).rejects.toThrow(`table opportunities has row level security and role ${role} does not bypass it`);
    } finally {
      await restricted.end();
      await db.pool.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; DROP ROLE ${role}`);
    }
  });

  it('publishes the legal values it used to dead-letter (NaN, infinity, 5 MB), and dead-letters only an event over the limit, naming field and limit', async () => {
    const chosen = await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM opportunities ORDER BY id LIMIT 4`);
    const [nanId, infinityId, hugeId, tooBigId] = chosen.rows.map((r) => r.id);
    const huge = `${'🩺 Sterile kits. '.repeat(280_000)}`;
    await db.pool.query(`UPDATE opportunities SET award_amount = 'NaN' WHERE id = $1`, [nanId]);
    await db.pool.query(`UPDATE opportunities SET posted_date = 'infinity' WHERE id = $1`, [infinityId]);
    await db.pool.query(`UPDATE opportunities SET description = $2 WHERE id = $1`, [hugeId, huge]);
    await db.pool.query(`UPDATE opportunities SET description = repeat('x', 7 * 1024 * 1024) WHERE id = $1`, [tooBigId]);
    // KAFKA_MAX_MESSAGE_BYTES below the topic's limit: the 5 MB row still fits, the 7 MB one does not.
    const limit = 6 * 1024 * 1024;
    const publisher = new KafkaPublisher(kit.producer, kit.logger, new ProcessingLog(db.pool, 'kafka-migrator'), {
      serviceName: 'kafka-migrator',
      maxMessageBytes: limit,
    });
    try {
      const summary = await runBackfill({ ...deps(), publisher }, options(kit));
      expect(summary).toMatchObject({ status: 'completed', published: 1_499, failed: 1 });
      const events = latestByKey(envelopesOf(await readWholeTopic(kit.kafka, kit.topic('opportunity')), kit.run.migrationId));
      expect(events.get(nanId)?.data).toMatchObject({ awardAmount: 'NaN' });
      expect(events.get(infinityId)?.data).toMatchObject({ postedDate: 'infinity' });
      expect(Buffer.byteLength(huge)).toBeGreaterThan(5_000_000);
      expect((events.get(hugeId)?.data as { description: string }).description === huge).toBe(true);
      expect(events.has(tooBigId)).toBe(false);
      const letters = (await readWholeTopic(kit.kafka, kit.deadLetter('opportunity')))
        .map((m) => JSON.parse(String(m.value)) as { id: string; reason: { code: string; field?: string; limit?: number; message: string }; migrationId: string })
        .filter((l) => l.migrationId === kit.run.migrationId);
      expect(letters.map((l) => [l.id, l.reason.code, l.reason.field, l.reason.limit])).toEqual([[tooBigId, 'MESSAGE_TOO_LARGE', 'description', limit]]);
      expect(letters[0].reason.message).toContain(`opportunity ${tooBigId}: event of`);
      const logged = await db.pool.query(
        `SELECT entity_id FROM service_processing_log WHERE migration_id = $1 AND status = 'dead_lettered' ORDER BY entity_id`,
        [kit.run.migrationId],
      );
      expect(logged.rows.map((r) => r.entity_id)).toEqual([tooBigId]);
      const state = await kit.checkpoints.get(`${kit.run.migrationRun}:backfill:opportunity:0-of-1`);
      expect(state).toMatchObject({ totalProcessed: 1_499, totalFailed: 1, status: 'completed' });
    } finally {
      await db.pool.query(`UPDATE opportunities SET award_amount = NULL, posted_date = created_at, description = 'restored' WHERE id = ANY($1)`, [
        [nanId, infinityId, hugeId, tooBigId],
      ]);
    }
  });

  it('its database connections terminated twice mid-run (a failover), it resumes in the same process and publishes every row once', async () => {
    const applicationName = `backfill-failover-${randomUUID().slice(0, 6)}`;
    const pool = createPostgresPool({ ...loadConfig(postgresEnvSchema), PGDATABASE: db.name }, { applicationName, max: 4 });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 'kafka-migrator-test', level: 'warn', sink: (line) => lines.push(JSON.parse(line)) });
    const failover = await createMigrationKit(pool, { logger });
    const name = `${failover.run.migrationRun}:backfill:opportunity:0-of-1`;
    const processed = async () =>
      Number((await db.pool.query<{ n: string }>('SELECT total_processed AS n FROM data_migration_state WHERE migration_name = $1', [name])).rows[0]?.n ?? 0);
    // The failover: with the table locked, the backfill's next chunk read waits on the lock, and its
    // connections (the waiting one included) are terminated, so a query fails under the runner.
    const terminate = async () => {
      const locker = await db.pool.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE opportunities IN EXCLUSIVE MODE');
        const waitingSql = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'";
        while ((await db.pool.query<{ n: number }>(waitingSql, [applicationName])).rows[0].n === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        await db.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      } finally {
        await locker.query('COMMIT');
        locker.release();
      }
    };
    try {
      // 500 rows/s: about 3 s for the table, so both terminations land mid-run.
      const run = retryTransient(
        () =>
          runBackfill(
            { pool, publisher: failover.publisher, checkpoints: failover.checkpoints, logger },
            options(failover, { batchSize: 50, maxRowsPerSecond: 500 }),
          ),
        { retries: 3, firstDelayMs: 100, maxDelayMs: 400, freshAfterMs: 60_000 },
        logger,
        { entity: 'opportunity' },
      );
      let done = false;
      void run.finally(() => (done = true)).catch(() => undefined);
      for (const at of [300, 900]) {
        while (!done && (await processed()) < at) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(done).toBe(false);
        await terminate();
      }
      const summary = await run;
      expect(summary.status).toBe('completed');
      const retries = lines.filter((l) => l.msg === 'transient database failure; resuming from the checkpoint');
      expect(retries.length).toBeGreaterThanOrEqual(2);
      expect(retries[0]).toMatchObject({ entity: 'opportunity', attempt: 1 });

      const envelopes = envelopesOf(await readWholeTopic(failover.kafka, failover.topic('opportunity')), failover.run.migrationId);
      expect(new Set(envelopes.map((e) => e.aggregateId)).size).toBe(1_500);
      const eventIdsPerKey = new Map<string, Set<string>>();
      for (const e of envelopes) eventIdsPerKey.set(e.aggregateId, (eventIdsPerKey.get(e.aggregateId) ?? new Set()).add(e.eventId));
      // A chunk re-read after a failure is the same event again (same id), never a second one.
      expect([...eventIdsPerKey.values()].every((ids) => ids.size === 1)).toBe(true);
      expect(await processed()).toBeGreaterThanOrEqual(1_500);
    } finally {
      await failover.close();
      await failover.dropTopics();
      await pool.end();
    }
  }, 120_000);

  it('killed with SIGKILL mid-run and restarted, it publishes every row; repeats carry the same event id', async () => {
    const env = {
      ...process.env,
      PGDATABASE: db.name,
      MIGRATION_RUN: kit.run.migrationRun,
      MIGRATION_ID: kit.run.migrationId,
      CORRELATION_ID: kit.run.correlationId,
      TOPIC_PREFIX: kit.run.topicPrefix,
      BATCH_SIZE: '40',
      LEASE_TTL_MS: '1500',
    };
    const start = (extra: NodeJS.ProcessEnv = {}) =>
      spawn(process.execPath, ['-r', './tools/scripts/register.js', 'libs/data/kafka-migration/src/testing/backfill.worker.ts'], {
        cwd: ROOT,
        env: { ...env, ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const name = `${kit.run.migrationRun}:backfill:opportunity:0-of-1`;
    // The first worker is held to 250 rows/s, so it is surely mid-run (about 6 s for the table)
    // when killed, however slowly this test's own polling is scheduled on a busy machine.
    const first = start({ MAX_ROWS_PER_SECOND: '250' });
    let firstOutput = '';
    first.stderr?.on('data', (c: Buffer) => (firstOutput += c.toString()));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const state = await kit.checkpoints.get(name).catch(() => null);
      if (state && state.totalProcessed >= 300) break;
      if (first.exitCode !== null || Date.now() > deadline) throw new Error(`the first worker never reached 300 rows: ${JSON.stringify(state)} ${firstOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('exit', resolve));
    const interrupted = await kit.checkpoints.get(name);
    expect(interrupted?.status).toBe('running');
    expect(interrupted?.totalProcessed).toBeLessThan(1_500);
    // The killed pod's lease must expire before the retry may take the shard.
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const second = start();
    let output = '';
    second.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    second.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
    expect({ code, output }).toMatchObject({ code: 0 });

    const envelopes = envelopesOf(await readWholeTopic(kit.kafka, kit.topic('opportunity')), kit.run.migrationId);
    expect(new Set(envelopes.map((e) => e.aggregateId)).size).toBe(1_500);
    const byEvent = new Map<string, string>();
    const eventIdsPerKey = new Map<string, Set<string>>();
    for (const e of envelopes) {
      const body = JSON.stringify(e.data);
      if (byEvent.has(e.eventId)) expect(byEvent.get(e.eventId)).toBe(body);
      byEvent.set(e.eventId, body);
      eventIdsPerKey.set(e.aggregateId, (eventIdsPerKey.get(e.aggregateId) ?? new Set()).add(e.eventId));
    }
    // A row published twice (its chunk re-read after the crash) is the same event, same id and body.
    expect([...eventIdsPerKey.values()].every((ids) => ids.size === 1)).toBe(true);
  }, 180_000);

});
