/**
 * Supabase grants every table in `public` to `anon` and `authenticated`; a new table without RLS
 * would be readable through the public REST API. Our tables get RLS with no policy (only the
 * owner and BYPASSRLS roles see rows) and lose those grants. Works where the roles do not exist.
 */
export function lockDownTable(table: string): string[] {
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `DO $$ BEGIN
       IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN EXECUTE 'REVOKE ALL ON ${table} FROM anon'; END IF;
       IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN EXECUTE 'REVOKE ALL ON ${table} FROM authenticated'; END IF;
     END $$`,
  ];
}

/**
 * The same for a view: it reads with the caller's rights (security_invoker, so the RLS of the
 * tables under it applies) and loses the grants Supabase gives `anon` and `authenticated`.
 */
export function lockDownView(view: string): string[] {
  return [
    `ALTER VIEW ${view} SET (security_invoker = true)`,
    `DO $$ BEGIN
       IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN EXECUTE 'REVOKE ALL ON ${view} FROM anon'; END IF;
       IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN EXECUTE 'REVOKE ALL ON ${view} FROM authenticated'; END IF;
     END $$`,
  ];
}
