import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '../sql/postgres-canonical.sql';
import type { EventOrderOptions, EventOrderReport, PositionGap, VersionProblem } from './event-order.report';

export const DEFAULT_EVENT_ORDER: EventOrderOptions = {
  from: null,
  to: null,
  maxListed: 100,
  failOnPositionGaps: false,
  table: 'event_store',
};

const MAX_MISSING_LISTED = 50;
const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;

interface FlaggedStream {
  aggregate_id: string;
  aggregate_type: string;
  n: number;
  d: number;
  hi: number;
}

/**
 * Per-stream checks (versions exactly 1..n, no gaps, no duplicates) and global-position gaps,
 * read in one REPEATABLE READ transaction so the rows and the snapshot they are judged against
 * agree. A position gap is only a gap when no transaction that may still commit into it is
 * running: events of a transaction in progress are invisible, and a late commit fills the hole.
 * Such a transaction is in the snapshot's in-progress list (pg_snapshot_xip) with an id below the
 * transaction that wrote the event after the gap (an append's transaction id is assigned by the
 * insert that takes its first position). No fixed timeout decides it.
 *
 * Transaction ids are cluster-wide, so the in-progress list also holds transactions of other
 * databases and ones that never touch this table; a long COPY elsewhere would otherwise turn every
 * gap "pending" for as long as it runs. Only writers of this table count: in-progress
 * transactions holding its RowExclusiveLock (pg_locks, readable by any role), and those that have
 * committed since the snapshot was taken (their rows are invisible to it, so they might fill a gap).
 */
export async function validateEventOrder(
  pool: Pool,
  options: EventOrderOptions = DEFAULT_EVENT_ORDER,
): Promise<EventOrderReport> {
  if (!TABLE.test(options.table)) throw new Error(`'${options.table}' is not a plain table name`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = await readSnapshot(client);
    const windowed = options.from !== null || options.to !== null;
    const params = windowed
      ? [options.from ?? new Date(0), options.to ?? new Date('9999-12-31T00:00:00Z')]
      : [];
    const t = quoteIdent(options.table);
    const scope = windowed
      ? `WHERE e.aggregate_id IN (SELECT aggregate_id FROM ${t} WHERE created_at >= $1 AND created_at < $2)`
      : '';
    const totals = await client.query<{ aggregates: string; events: string }>(
      `SELECT count(DISTINCT e.aggregate_id)::bigint AS aggregates, count(*)::bigint AS events FROM ${t} e ${scope}`,
      params,
    );
    const flagged = await client.query<FlaggedStream>(
      `SELECT e.aggregate_id::text AS aggregate_id, min(e.aggregate_type) AS aggregate_type, count(*)::int AS n,
              count(DISTINCT e.event_version)::int AS d, max(e.event_version) AS hi
         FROM ${t} e ${scope}
        GROUP BY e.aggregate_id
       HAVING min(e.event_version) <> 1 OR max(e.event_version) <> count(DISTINCT e.event_version) OR count(*) <> count(DISTINCT e.event_version)
        ORDER BY e.aggregate_id`,
      params,
    );
    const streams = await describeStreams(client, t, flagged.rows.slice(0, options.maxListed));
    const writers = await tableWriters(client, options.table, snapshot.inProgress);
    const gaps = await positionGaps(client, t, windowed, params, writers);
    await client.query('COMMIT');

    const versionGaps = flagged.rows.reduce((n, r) => n + (r.hi - r.d), 0);
    const duplicateVersions = flagged.rows.reduce((n, r) => n + (r.n - r.d), 0);
    const final = gaps.filter((g) => g.inProgress.length === 0);
    const pending = gaps.filter((g) => g.inProgress.length > 0);
    const reasons: string[] = [];
    if (versionGaps > 0) reasons.push(`${versionGaps} missing stream versions`);
    if (duplicateVersions > 0) reasons.push(`${duplicateVersions} duplicated stream versions`);
    if (options.failOnPositionGaps && final.length > 0)
      reasons.push(`${final.length} gaps in global_position`);
    return {
      window: { from: options.from?.toISOString() ?? null, to: options.to?.toISOString() ?? null },
      aggregatesChecked: Number(totals.rows[0].aggregates),
      eventsChecked: Number(totals.rows[0].events),
      streams: { count: flagged.rows.length, items: streams },
      versionGaps,
      duplicateVersions,
      positionGaps: { count: final.length, items: final.slice(0, options.maxListed) },
      pendingPositionGaps: { count: pending.length, items: pending.slice(0, options.maxListed) },
      snapshot,
      passed: reasons.length === 0,
      reasons,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function readSnapshot(client: PoolClient): Promise<EventOrderReport['snapshot']> {
  const { rows } = await client.query<{ xmin: string; xmax: string; xip: string[] }>(
    `SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
            ARRAY(SELECT x::text FROM pg_snapshot_xip(s) AS x ORDER BY x) AS xip
       FROM pg_current_snapshot() AS s`,
  );
  return { xmin: rows[0].xmin, xmax: rows[0].xmax, inProgress: rows[0].xip };
}

/** Of the snapshot's in-progress transactions, those that may have written to the table. */
async function tableWriters(client: PoolClient, table: string, inProgress: string[]): Promise<string[]> {
  if (inProgress.length === 0) return [];
  const { rows } = await client.query<{ xid: string }>(
    `SELECT x.xid FROM unnest($1::text[]) AS x(xid)
      WHERE pg_xact_status(x.xid::xid8) = 'committed'
         OR EXISTS (SELECT 1 FROM pg_locks rel JOIN pg_locks own
                            ON own.virtualtransaction = rel.virtualtransaction AND own.locktype = 'transactionid'
                     WHERE rel.locktype = 'relation' AND rel.mode = 'RowExclusiveLock'
                       AND rel.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND rel.relation = to_regclass($2)
                       AND own.transactionid::text = (x.xid::bigint % 4294967296)::text)`,
    [inProgress, table],
  );
  return rows.map((r) => r.xid);
}

async function describeStreams(
  client: PoolClient,
  table: string,
  flagged: FlaggedStream[],
): Promise<VersionProblem[]> {
  if (flagged.length === 0) return [];
  const { rows } = await client.query<{ aggregate_id: string; event_version: number; event_id: string }>(
    `SELECT aggregate_id::text AS aggregate_id, event_version, event_id::text AS event_id FROM ${table}
      WHERE aggregate_id = ANY($1::uuid[]) ORDER BY aggregate_id, event_version, event_id`,
    [flagged.map((f) => f.aggregate_id)],
  );
  const versions = new Map<string, Map<number, string[]>>();
  for (const r of rows) {
    const stream = versions.get(r.aggregate_id) ?? new Map<number, string[]>();
    stream.set(r.event_version, [...(stream.get(r.event_version) ?? []), r.event_id]);
    versions.set(r.aggregate_id, stream);
  }
  return flagged.map((f) => {
    const stream = versions.get(f.aggregate_id) ?? new Map<number, string[]>();
    const missing: number[] = [];
    for (let v = 1; v <= f.hi && missing.length < MAX_MISSING_LISTED; v++)
      if (!stream.has(v)) missing.push(v);
    const duplicates = [...stream]
      .filter(([, ids]) => ids.length > 1)
      .map(([version, eventIds]) => ({ version, eventIds }));
    return {
      aggregateId: f.aggregate_id,
      aggregateType: f.aggregate_type,
      missingVersions: missing,
      duplicateVersions: duplicates,
      maxVersion: f.hi,
      events: f.n,
    };
  });
}

async function positionGaps(
  client: PoolClient,
  table: string,
  windowed: boolean,
  params: unknown[],
  writers: string[],
): Promise<PositionGap[]> {
  // In a window the first position has no predecessor inside it: it opens no gap.
  const range = windowed
    ? `WHERE global_position BETWEEN (SELECT min(global_position) FROM ${table} WHERE created_at >= $1 AND created_at < $2)
                                 AND (SELECT max(global_position) FROM ${table} WHERE created_at >= $1 AND created_at < $2)`
    : '';
  const { rows } = await client.query<{ after: string; before: string; tx: string }>(
    `SELECT prev::text AS after, global_position::text AS before, transaction_id::text AS tx
       FROM (SELECT global_position, transaction_id,
                    lag(global_position, 1, ${windowed ? 'global_position' : '0::bigint'}) OVER (ORDER BY global_position) AS prev
               FROM ${table} ${range}) s
      WHERE global_position > prev + 1
      ORDER BY global_position`,
    windowed ? params : [],
  );
  const running = writers.map(BigInt);
  return rows.map((r) => {
    const next = BigInt(r.tx);
    return {
      after: r.after,
      before: r.before,
      missing: (BigInt(r.before) - BigInt(r.after) - 1n).toString(),
      nextTransactionId: r.tx,
      inProgress: running.filter((x) => x < next).map(String),
    };
  });
}
