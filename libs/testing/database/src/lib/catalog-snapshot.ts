import type { Pool } from 'pg';

export interface CatalogSnapshotOptions {
  /** Schemas to describe; default public. */
  readonly schemas?: readonly string[];
  /**
   * Include object OIDs, so an object that was dropped and recreated (even identically) shows
   * up as a difference: what "re-applying a migration changes nothing" has to rule out.
   */
  readonly withOids?: boolean;
}

/**
 * The definition of everything in the given schemas as sorted lines of text: columns (type,
 * default, nullability, position), relations (kind, RLS flags, grants), constraints, indexes,
 * policies, enum labels, functions, default privileges, plus the installed extensions. Compare
 * two snapshots with toEqual to prove a schema script idempotent or a load schema-neutral.
 */
export async function catalogSnapshot(pool: Pool, options: CatalogSnapshotOptions = {}): Promise<string[]> {
  const schemas = [...(options.schemas ?? ['public'])];
  const oid = (expr: string): string => (options.withOids ? `, ${expr}::text` : '');
  const inSchemas = (column: string): string =>
    `${column} IN (SELECT oid FROM pg_namespace WHERE nspname = ANY($1))`;
  const queries = [
    `SELECT concat_ws('|', 'column', table_schema, table_name, column_name, ordinal_position, data_type, udt_name,
            numeric_precision, numeric_scale, is_nullable, column_default) AS line
       FROM information_schema.columns WHERE table_schema = ANY($1)`,
    `SELECT concat_ws('|', 'relation', c.relnamespace::regnamespace, c.relname, c.relkind, c.relrowsecurity,
            c.relforcerowsecurity, array_to_string(c.relacl, ',') ${oid('c.oid')}) AS line
       FROM pg_class c WHERE ${inSchemas('c.relnamespace')}`,
    `SELECT concat_ws('|', 'constraint', conrelid::regclass, conname, contype, convalidated,
            pg_get_constraintdef(oid) ${oid('oid')}) AS line
       FROM pg_constraint WHERE ${inSchemas('connamespace')}`,
    `SELECT concat_ws('|', 'index', schemaname, tablename, indexname, indexdef) AS line
       FROM pg_indexes WHERE schemaname = ANY($1)`,
    `SELECT concat_ws('|', 'policy', schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check) AS line
       FROM pg_policies WHERE schemaname = ANY($1)`,
    `SELECT concat_ws('|', 'enum', t.typnamespace::regnamespace, t.typname, e.enumsortorder, e.enumlabel ${oid('t.oid')}) AS line
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE ${inSchemas('t.typnamespace')}`,
    `SELECT concat_ws('|', 'function', p.pronamespace::regnamespace, p.proname, pg_get_function_identity_arguments(p.oid),
            p.prosrc, array_to_string(p.proacl, ',') ${oid('p.oid')}) AS line
       FROM pg_proc p WHERE ${inSchemas('p.pronamespace')}`,
    `SELECT concat_ws('|', 'trigger', tgrelid::regclass, tgname, tgenabled, pg_get_triggerdef(oid)) AS line
       FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE ${inSchemas('relnamespace')})`,
    `SELECT concat_ws('|', 'default-acl', d.defaclnamespace::regnamespace, d.defaclobjtype, array_to_string(d.defaclacl, ',')) AS line
       FROM pg_default_acl d WHERE ${inSchemas('d.defaclnamespace')}`,
    `SELECT concat_ws('|', 'extension', extname, extversion) AS line FROM pg_extension WHERE $1::text[] IS NOT NULL`,
  ];
  const lines: string[] = [];
  for (const sql of queries) {
    const result = await pool.query<{ line: string }>(sql, [schemas]);
    lines.push(...result.rows.map((row) => row.line));
  }
  return lines.sort();
}
