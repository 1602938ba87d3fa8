import { randomUUID } from 'node:crypto';
import { createMigratedDatabase, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { ENTITY_SOURCES, sourceColumns } from './mapping/entity-sources';
import { mapRow, type RawRow } from './mapping/row-mapper';
import { runBackfill } from './backfill/backfill.runner';
import type { ChangeCapture } from './capture/change-capture';
import { LogicalChangeCapture } from './capture/logical.capture';
import { TriggerChangeCapture } from './capture/trigger.capture';
import { ChangeStreamer } from './stream/change.streamer';
import { createMigrationKit, envelopesOf, latestByKey, type MigrationKit } from './testing/migration-harness';

const ROWS = 1_200;

/** Inserts, updates and deletes opportunities as fast as it can until stopped. */
function startWriter(db: MigratedDatabase) {
  let running = true;
  const counts = { inserts: 0, updates: 0, deletes: 0 };
  const done = (async () => {
    const ids = (await db.pool.query<{ id: string }>('SELECT id::text AS id FROM opportunities')).rows.map((r) => r.id);
    // Fixture rows are referenced by saved opportunities (no cascade); the writer deletes its own.
    const own: string[] = [];
    for (let i = 0; running; i++) {
      const op = i % 5;
      if (op === 0) {
        const inserted = await db.pool.query<{ id: string }>(
          `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, award_amount, sam_raw_data, created_at, updated_at)
           VALUES ($1, $2, 'DEFENSE HEALTH AGENCY', now(), now() + interval '20 days', 1234.56, '{"type":"Solicitation"}', now(), now())
           RETURNING id::text AS id`,
          [`LIVE-${randomUUID()}`, `Live insert ${i}`],
        );
        ids.push(inserted.rows[0].id);
        own.push(inserted.rows[0].id);
        counts.inserts++;
      } else if (op === 4 && own.length > 1) {
        const [id] = own.splice((i * 7919) % own.length, 1);
        ids.splice(ids.indexOf(id), 1);
        await db.pool.query('DELETE FROM opportunities WHERE id = $1', [id]);
        counts.deletes++;
      } else {
        const id = ids[(i * 104729) % ids.length];
        await db.pool.query(`UPDATE opportunities SET title = $2, award_amount = $3, updated_at = now() WHERE id = $1`, [
          id,
          `Changed during migration ${i}`,
          (i % 1000) + 0.25,
        ]);
        counts.updates++;
      }
    }
  })();
  return {
    counts,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function currentRows(db: MigratedDatabase): Promise<Map<string, Record<string, unknown>>> {
  const source = ENTITY_SOURCES.opportunity;
  const select = Object.keys(sourceColumns(source)).map((c) => `"${c}"::text AS "${c}"`).join(', ');
  const rows = await db.pool.query<RawRow>(`SELECT ${select} FROM opportunities`);
  return new Map(rows.rows.map((r) => [String(r.id), mapRow(source, r)]));
}

describe.each(['logical', 'trigger'] as const)('zero loss while the monolith writes (%s capture)', (mode) => {
  let db: MigratedDatabase;
  let kit: MigrationKit;
  let capture: ChangeCapture;
  let streamer: ChangeStreamer | undefined;
  let writer: ReturnType<typeof startWriter> | undefined;

  beforeAll(async () => {
    db = await createMigratedDatabase(`capture_${mode}`, { load: { opportunities: ROWS, seed: 23 } });
    kit = await createMigrationKit(db.pool);
    capture =
      mode === 'logical'
        ? new LogicalChangeCapture(db.pool, kit.logger, { name: kit.run.migrationRun, entities: ['opportunity'] })
        : new TriggerChangeCapture(db.pool, kit.checkpoints, kit.logger, { name: kit.run.migrationRun, entities: ['opportunity'] });
    await capture.setup();
  }, 120_000);

  afterAll(async () => {
    await writer?.stop().catch(() => undefined);
    await streamer?.stop();
    await capture?.teardown();
    // Closed first: a live producer would re-create deleted topics on its next metadata refresh.
    await kit?.close();
    await kit?.dropTopics();
    await db?.drop();
  });

  it('afterwards the latest event per key equals the row, and deleted rows end deleted', async () => {
    streamer = new ChangeStreamer(capture, kit.publisher, kit.run, kit.logger, { batchSize: 500, idleMs: 20 });
    streamer.start();
    writer = startWriter(db);
    const summary = await runBackfill(
      { pool: db.pool, publisher: kit.publisher, checkpoints: kit.checkpoints, logger: kit.logger, retainedWalBytes: () => capture.retainedWalBytes() },
      {
        entity: 'opportunity',
        run: kit.run,
        shard: { index: 0, count: 1 },
        batchSize: 40,
        captureMode: mode,
        owner: 'capture-test',
        leaseTtlMs: 30_000,
        // Held to about two seconds for the table, so the writer's changes land among the chunks
        // rather than after them, however the two are scheduled on a busy machine.
        maxRowsPerSecond: 600,
        slowAckMs: 10_000,
        maxRetainedWalBytes: 512 * 1024 * 1024,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const enough = Date.now() + 60_000;
    while ((writer.counts.deletes <= 2 || writer.counts.updates <= 10 || writer.counts.inserts <= 5) && Date.now() < enough) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await writer.stop();
    await streamer.stop();
    await streamer.catchUp();

    expect(summary.status).toBe('completed');
    expect(writer.counts.inserts).toBeGreaterThan(5);
    expect(writer.counts.updates).toBeGreaterThan(10);
    expect(writer.counts.deletes).toBeGreaterThan(2);

    const latest = latestByKey(envelopesOf(await readWholeTopic(kit.kafka, kit.topic('opportunity')), kit.run.migrationId));
    const rows = await currentRows(db);
    const mismatched: string[] = [];
    for (const [id, row] of rows) {
      const event = latest.get(id);
      if (!event || event.metadata.operation === 'delete' || JSON.stringify(event.data) !== JSON.stringify(row)) mismatched.push(id);
    }
    if (mismatched.length > 0) {
      const id = mismatched[0];
      const versions = envelopesOf(await readWholeTopic(kit.kafka, kit.topic('opportunity')), kit.run.migrationId).filter((e) => e.aggregateId === id);
      const errors = await db.pool.query(`SELECT error_message FROM service_processing_log WHERE migration_id = $1 LIMIT 3`, [kit.run.migrationId]);
      const all = envelopesOf(await readWholeTopic(kit.kafka, kit.topic('opportunity')), kit.run.migrationId);
      const ops: Record<string, number> = {};
      for (const e of all) ops[String(e.metadata.operation)] = (ops[String(e.metadata.operation)] ?? 0) + 1;
      console.log(JSON.stringify({ stats: streamer?.stats, counts: writer.counts, ops, errors: errors.rows, versions: versions.map((v) => [v.metadata.operation, v.metadata.sourcePosition, v.data?.title]), row: rows.get(id)?.title }, null, 1));
    }
    expect(mismatched).toEqual([]);
    const notDeleted = [...latest.values()].filter((e) => !rows.has(e.aggregateId) && e.metadata.operation !== 'delete');
    expect(notDeleted.map((e) => e.aggregateId)).toEqual([]);
    expect(rows.size).toBe(ROWS + writer.counts.inserts - writer.counts.deletes);
  }, 240_000);
});

describe('logical capture slot ownership', () => {
  it('refuses a slot of the same run name that belongs to another database, naming both', async () => {
    const [first, second] = await Promise.all([createMigratedDatabase('slot_owner_a'), createMigratedDatabase('slot_owner_b')]);
    const name = `slot-owner-${randomUUID().slice(0, 8)}`;
    const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };
    const mine = new LogicalChangeCapture(first.pool, silent, { name, entities: ['opportunity'] });
    const theirs = new LogicalChangeCapture(second.pool, silent, { name, entities: ['opportunity'] });
    try {
      await mine.setup();
      await expect(theirs.setup()).rejects.toThrow(`replication slot ${mine.slot} belongs to database ${first.name}, not ${second.name}`);
      // Its own database's setup stays idempotent.
      await expect(mine.setup()).resolves.toBeUndefined();
    } finally {
      await mine.teardown().catch(() => undefined);
      await Promise.all([first.drop(), second.drop()]);
    }
  }, 60_000);
});

describe('trigger capture behind an older open transaction', () => {
  it('does not report the barrier reached while a committed change waits behind the horizon, and publishes it once that transaction ends', async () => {
    const db = await createMigratedDatabase('capture_horizon', { load: { opportunities: 20, seed: 3 } });
    const kit = await createMigrationKit(db.pool);
    const capture = new TriggerChangeCapture(db.pool, kit.checkpoints, kit.logger, { name: kit.run.migrationRun, entities: ['opportunity'] });
    const old = await db.pool.connect();
    try {
      await capture.setup();
      // Any long transaction on the server (a report, a backfill read) holds the horizon back.
      await old.query('BEGIN');
      await old.query('SELECT pg_current_xact_id()');
      const changed = await db.pool.query<{ id: string }>(
        `UPDATE opportunities SET title = 'Committed behind an older transaction' WHERE id = (SELECT id FROM opportunities ORDER BY id LIMIT 1) RETURNING id::text AS id`,
      );
      const streamer = new ChangeStreamer(capture, kit.publisher, kit.run, kit.logger, { batchSize: 100, idleMs: 20 });
      // The change is committed but cannot be read yet: a drain must not claim it is done.
      await expect(streamer.catchUp(1_500)).rejects.toThrow(/did not catch up/);
      await old.query('COMMIT');
      await streamer.catchUp(20_000);
      const events = envelopesOf(await readWholeTopic(kit.kafka, kit.topic('opportunity')), kit.run.migrationId);
      expect(events.filter((e) => e.aggregateId === changed.rows[0].id).map((e) => [e.metadata.operation, (e.data as { title?: string }).title])).toEqual([
        ['update', 'Committed behind an older transaction'],
      ]);
    } finally {
      old.release();
      await capture.teardown().catch(() => undefined);
      await kit.close();
      await kit.dropTopics();
      await db.drop();
    }
  }, 60_000);
});
