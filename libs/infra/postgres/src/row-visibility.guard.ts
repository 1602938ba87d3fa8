import type { Pool } from 'pg';
import { DomainException, ErrorCode } from '@mch/util-errors';

/**
 * Under row level security a role that is neither the owner (with RLS not forced), a superuser nor
 * BYPASSRLS reads only the rows a policy lets it see, without any error: a backfill would publish a
 * fraction of the table, a historical load would load a fraction, and a consistency check would
 * compare a fraction and pass. Every PostgreSQL reader that must see whole tables calls this first.
 * A table that does not exist is an error too (a typo or a wrong database must not read as "0 rows").
 *
 * `reader` names who is reading, for the message ("backfill", "historical load", "consistency check").
 * The first offending table in the caller's order is named (the join alone returns them in any order).
 */
export async function assertReadsEveryRow(pool: Pool, tables: readonly string[], reader: string): Promise<void> {
  const result = await pool.query<{ table: string; found: boolean; rls: boolean | null; forced: boolean | null; is_owner: boolean | null; bypass: boolean; role: string }>(
    `SELECT t.name AS table, c.oid IS NOT NULL AS found, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
            CASE WHEN c.oid IS NULL THEN NULL ELSE pg_has_role(current_user, c.relowner, 'USAGE') END AS is_owner,
            (r.rolsuper OR r.rolbypassrls) AS bypass, current_user AS role
       FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n)
       LEFT JOIN pg_class c ON c.oid = to_regclass(t.name)
       JOIN pg_roles r ON r.rolname = current_user
      ORDER BY t.n`,
    [tables],
  );
  for (const row of result.rows) {
    if (!row.found) {
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `table ${row.table} does not exist in this database: the ${reader} reads it (wrong PGDATABASE or search_path?)`,
        { entity: row.table, field: 'table' },
      );
    }
    const filtered = row.rls && !row.bypass && (!row.is_owner || row.forced);
    if (filtered) {
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `table ${row.table} has row level security and role ${row.role} does not bypass it: a ${reader} would silently skip rows. ` +
          `Run it with a role that has BYPASSRLS (or owns the table without FORCE ROW LEVEL SECURITY).`,
        { entity: row.table, field: 'role' },
      );
    }
  }
}
