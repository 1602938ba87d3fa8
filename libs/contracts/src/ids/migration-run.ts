import { MIGRATION_EVENT_NAMESPACE, uuidV5 } from './uuid-v5';

/**
 * A migration run is named once (MIGRATION_RUN, e.g. `prod-2026-01`, an overlay value in k8s/);
 * every app derives the same run id from that name, so the backfill, the loaders, the indexer
 * and the checker agree on it without anyone copying a UUID around.
 */
export const MIGRATION_RUN_PATTERN = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** The run id of a run name: deterministic, so every pod and every retry of a run agree on it. */
export function migrationIdOfRun(run: string): string {
  if (!MIGRATION_RUN_PATTERN.test(run)) {
    throw new Error(
      `MIGRATION_RUN '${run}' must be lower-case letters, digits and dashes (at most 41 characters)`,
    );
  }
  return uuidV5(run, MIGRATION_EVENT_NAMESPACE);
}

/** An explicit MIGRATION_ID wins (an override); otherwise the id of MIGRATION_RUN; otherwise none. */
export function resolveMigrationId(env: {
  MIGRATION_ID?: string;
  MIGRATION_RUN?: string;
}): string | undefined {
  const explicit = env.MIGRATION_ID?.trim();
  if (explicit) return explicit;
  const run = env.MIGRATION_RUN?.trim();
  return run ? migrationIdOfRun(run) : undefined;
}
