import type { Pool } from 'pg';
import { DomainException, ErrorCode } from '@mch/util-errors';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The re-snapshot's low watermark L: a WAL position such that every change written before it
 * belongs to a transaction that has ended, and every change not yet visible is written after it.
 * Taken as the insert position, then the transactions of this database that hold an xid are
 * waited for (each holds the ExclusiveLock on its own xid until it ends). A change before L was
 * written by one of them (it had its xid before L was read), so once they are gone, a chunk read
 * afterwards sees every change before L, and a change it does not see has a position after L.
 * Only this database's transactions matter: the slot decodes no other.
 */
export async function lowWatermark(pool: Pool, timeoutMs: number): Promise<bigint> {
  const position = await pool.query<{ lsn: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS lsn`,
  );
  const running = await pool.query<{ xid: string }>(
    `SELECT l.transactionid::text AS xid
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
        AND a.datname = current_database() AND l.pid <> pg_backend_pid()`,
  );
  const xids = running.rows.map((r) => r.xid);
  const deadline = Date.now() + timeoutMs;
  while (xids.length > 0) {
    const left = await pool.query<{
      xid: string;
      pid: number;
      state: string | null;
      xact_start: Date | null;
    }>(
      `SELECT l.transactionid::text AS xid, l.pid, a.state, a.xact_start
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted AND l.transactionid::text = ANY($1)`,
      [xids],
    );
    if (left.rows.length === 0) break;
    if (Date.now() > deadline) {
      const oldest = left.rows[0];
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `re-snapshot low watermark: ${left.rows.length} transaction(s) open since before it did not end within ${timeoutMs} ms ` +
          `(oldest: pid ${oldest.pid}, xid ${oldest.xid}, ${oldest.state ?? 'unknown state'} since ${oldest.xact_start?.toISOString() ?? 'unknown'}). ` +
          `End them or raise RESNAPSHOT_WAIT_MS.`,
        { entity: 'pg_locks', id: oldest.xid, field: 'transactionid' },
      );
    }
    await sleep(50);
  }
  return BigInt(position.rows[0].lsn);
}
