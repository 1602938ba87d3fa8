import type { Pool } from 'pg';
import { formatSourcePosition } from '@mch/contracts';
import { quoteIdent, sourceSelectList, type EntitySource } from '../mapping/entity-sources';
import type { RawRow } from '../mapping/row-mapper';
import type { KeyRange } from './key-range';

export type CaptureMode = 'logical' | 'trigger';

export interface Chunk {
  rows: RawRow[];
  /** The position every row of the chunk is published at. */
  position: string;
}

/**
 * The chunk query ($1 lower bound, $2 upper bound or null, $3 last key read or null, $4 limit, $5
 * last key of a replayed chunk or null). ORDER BY names the table's column: the bare name would
 * mean the `id::text` output column and sort the whole rest of the table for every chunk.
 */
export function chunkSql(source: EntitySource): string {
  const select = sourceSelectList(source);
  const table = quoteIdent(source.table);
  return `SELECT ${select} FROM ${table}
        WHERE id >= $1::uuid AND ($2::uuid IS NULL OR id < $2::uuid) AND ($3::uuid IS NULL OR id > $3::uuid)
          AND ($5::uuid IS NULL OR id <= $5::uuid)
        ORDER BY ${table}.id
        LIMIT $4
        FOR SHARE`;
}

/**
 * Reads the next chunk in key order, as text values, and the position it is exact at.
 *
 * The rows are locked FOR SHARE and the position is taken while the locks are held: a change
 * that committed before the locks were granted is in the rows and has an earlier position; one
 * made after waits for this transaction and gets a later position. So a published chunk row can
 * never overwrite a newer change downstream, and no change falls between chunk and stream. The
 * locks last for one short read (no Kafka round trip inside), a pause of milliseconds for writers
 * of those rows only.
 */
export async function readChunk(
  pool: Pool,
  source: EntitySource,
  range: KeyRange,
  after: string | null,
  limit: number,
  mode: CaptureMode,
  /** Re-reading a chunk published before a crash: its last key and its recorded position. */
  replay?: { through: string; position: string },
): Promise<Chunk> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const rows = await client.query<RawRow>(chunkSql(source), [range.lower, range.upper, after, limit, replay?.through ?? null]);
    if (replay) {
      // Same rows, same position, so the same event ids as before the crash. A row changed since
      // then also has a change event at a later position, which supersedes this one downstream.
      await client.query('COMMIT');
      return { rows: rows.rows, position: replay.position };
    }
    const position =
      mode === 'logical'
        ? await client.query<{ p: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS p`)
        : await client.query<{ p: string }>(`SELECT nextval(pg_get_serial_sequence('mch_cdc_changes', 'seq'))::text AS p`);
    await client.query('COMMIT');
    return { rows: rows.rows, position: formatSourcePosition(mode === 'logical' ? 'lsn' : 'seq', BigInt(position.rows[0].p)) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
