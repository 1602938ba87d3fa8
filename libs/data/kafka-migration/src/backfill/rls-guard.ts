import type { Pool } from 'pg';
import { DomainException, ErrorCode } from '@mch/util-errors';

/**
 * Under row level security a role that is neither the owner (with RLS not forced), a superuser,
 * nor BYPASSRLS reads only the rows a policy lets it see, without any error: a backfill would
 * silently publish a fraction of the table. Refuse before starting instead.
 */
export async function assertSeesEveryRow(pool: Pool, tables: readonly string[]): Promise<void> {
  const result = await pool.query<{ table: string; rls: boolean; forced: boolean; is_owner: boolean; bypass: boolean; role: string }>(
    `SELECT c.relname AS table, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
            pg_has_role(current_user, c.relowner, 'USAGE') AS is_owner,
            (r.rolsuper OR r.rolbypassrls) AS bypass, current_user AS role
       FROM pg_class c, pg_roles r
      WHERE c.oid = ANY(SELECT to_regclass(t)::oid FROM unnest($1::text[]) t) AND r.rolname = current_user`,
    [tables],
  );
  for (const row of result.rows) {
    const filtered = row.rls && !row.bypass && (!row.is_owner || row.forced);
    if (filtered) {
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `table ${row.table} has row level security and role ${row.role} does not bypass it: a backfill would silently skip rows. ` +
          `Run the migrator with a role that has BYPASSRLS (or owns the table without FORCE ROW LEVEL SECURITY).`,
        { entity: row.table, field: 'role' },
      );
    }
  }
}
