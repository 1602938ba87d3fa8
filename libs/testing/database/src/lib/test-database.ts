import { randomBytes } from 'node:crypto';
import { Client, Pool, type PoolConfig } from 'pg';
import { stackPgConfig, type StackPgConfig } from './stack-pg-config';

export interface TestDatabase {
  readonly name: string;
  /** Connected to the new database; ended by drop(). */
  readonly pool: Pool;
  /** Ends the pool, then drops the database, terminating any connection still open to it. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  readonly config?: StackPgConfig;
  /** Extra pool settings for the new database's pool (max, statement_timeout, ...). */
  readonly pool?: Omit<PoolConfig, 'host' | 'port' | 'user' | 'password' | 'database'>;
}

/** PostgreSQL identifiers are at most 63 bytes; the random tail needs 1 + 12. */
const MAX_PREFIX_LENGTH = 63 - 13;

export function testDatabaseName(prefix: string, suffix: string = randomBytes(6).toString('hex')): string {
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const head = (/^[a-z_]/.test(cleaned) ? cleaned : `t_${cleaned}`).slice(0, MAX_PREFIX_LENGTH);
  return `${head}_${suffix}`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withMaintenanceClient<T>(
  config: StackPgConfig,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ ...config, application_name: 'mch-test-database' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * DROP DATABASE ... WITH (FORCE) refuses (42501) when a session in the database belongs to no role
 * the caller may signal: one still authenticating, or an autovacuum worker, has none yet. Those
 * are gone within moments, so the drop is retried rather than failing the suite that owned it.
 */
async function dropForced(client: Client, name: string, attempts = 40): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * A fresh, uniquely named database owned by the connecting role, so each test file owns its
 * schema and data and parallel runs never see each other's rows.
 */
export async function createTestDatabase(
  prefix: string,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const config = options.config ?? stackPgConfig();
  const name = testDatabaseName(prefix);
  await withMaintenanceClient(config, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));

  const pool = new Pool({
    ...options.pool,
    ...config,
    database: name,
    application_name: `mch-test:${prefix}`,
  });
  // An idle client's error (the server terminating it during drop) must not crash the test run.
  pool.on('error', () => undefined);

  let dropped = false;
  return {
    name,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      await withMaintenanceClient(config, async (client) => {
        // A replication slot left by a failed test would block the drop and retain WAL forever.
        await client.query(
          `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`,
          [name],
        );
        await client.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1`, [name]);
        await dropForced(client, name);
      });
    },
  };
}
