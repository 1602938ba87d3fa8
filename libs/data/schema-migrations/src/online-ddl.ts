import type { QueryRunner } from 'typeorm';

export interface OnlineDdlOptions {
  /** How long one DDL statement may wait for its lock before giving up and retrying. */
  lockTimeoutMs: number;
  attempts: number;
  /** Back-off between attempts, doubled each time up to 5 s. */
  initialBackoffMs: number;
  onRetry?: (attempt: number, error: Error) => void;
}

export const DEFAULT_ONLINE_DDL: OnlineDdlOptions = { lockTimeoutMs: 300, attempts: 60, initialBackoffMs: 100 };

const LOCK_NOT_AVAILABLE = '55P03';

function isLockTimeout(error: unknown): error is Error {
  const code = (error as { code?: string; driverError?: { code?: string } })?.driverError?.code ?? (error as { code?: string })?.code;
  return code === LOCK_NOT_AVAILABLE;
}

/**
 * Runs DDL against a live database without stalling it. An ALTER TABLE waiting for its lock
 * blocks every query queued behind it, so a long-running transaction on the table would freeze
 * the monolith for as long as it runs. With a short lock_timeout the ALTER gives up instead, lets
 * the queue drain, and tries again after a pause.
 */
export async function runOnline(
  runner: QueryRunner,
  statements: string[],
  options: OnlineDdlOptions = DEFAULT_ONLINE_DDL,
): Promise<void> {
  let backoff = options.initialBackoffMs;
  for (let attempt = 1; ; attempt++) {
    await runner.query('BEGIN');
    try {
      await runner.query(`SET LOCAL lock_timeout = '${Math.trunc(options.lockTimeoutMs)}ms'`);
      for (const statement of statements) await runner.query(statement);
      await runner.query('COMMIT');
      return;
    } catch (error) {
      await runner.query('ROLLBACK');
      if (!isLockTimeout(error) || attempt >= options.attempts) throw error;
      options.onRetry?.(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 5_000);
    }
  }
}

/**
 * CREATE INDEX CONCURRENTLY builds without blocking writes, but must run outside a transaction
 * and, when it fails part-way, leaves an INVALID index that IF NOT EXISTS would then keep
 * forever. Such a leftover is dropped and rebuilt.
 */
export async function createIndexConcurrently(
  runner: QueryRunner,
  name: string,
  table: string,
  definition: string,
  options: OnlineDdlOptions = DEFAULT_ONLINE_DDL,
): Promise<void> {
  const state = async (): Promise<'valid' | 'invalid' | 'absent'> => {
    const rows: { valid: boolean }[] = await runner.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`,
      [name],
    );
    return rows.length === 0 ? 'absent' : rows[0].valid ? 'valid' : 'invalid';
  };
  await runner.query(`SET lock_timeout = '${Math.trunc(options.lockTimeoutMs)}ms'`);
  try {
    // Every attempt starts from what is there: a build interrupted by a lock timeout leaves an
    // invalid index, which is dropped before building again.
    await retryOnLock(async () => {
      const current = await state();
      if (current === 'valid') return;
      if (current === 'invalid') await runner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await runner.query(`CREATE INDEX CONCURRENTLY ${name} ON ${table} ${definition}`);
    }, options);
  } finally {
    await runner.query('RESET lock_timeout');
  }
}

export async function dropIndexConcurrently(
  runner: QueryRunner,
  name: string,
  options: OnlineDdlOptions = DEFAULT_ONLINE_DDL,
): Promise<void> {
  await runner.query(`SET lock_timeout = '${Math.trunc(options.lockTimeoutMs)}ms'`);
  try {
    await retryOnLock(() => runner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`), options);
  } finally {
    await runner.query('RESET lock_timeout');
  }
}

async function retryOnLock<T>(fn: () => Promise<T>, options: OnlineDdlOptions): Promise<T> {
  let backoff = options.initialBackoffMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isLockTimeout(error) || attempt >= options.attempts) throw error;
      options.onRetry?.(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 5_000);
    }
  }
}
