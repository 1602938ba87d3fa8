import { Pool, type PoolConfig } from 'pg';
import type { PostgresConfig } from '@mch/util-config';
import { postgresSslOptions } from './postgres.tls';

export interface PostgresClientOptions {
  /** Shows up in pg_stat_activity, so DBAs can tell which service holds a connection. */
  applicationName: string;
  max?: number;
  statementTimeoutMs?: number;
}

export function postgresPoolConfig(config: PostgresConfig, options: PostgresClientOptions): PoolConfig {
  return {
    host: config.PGHOST,
    port: config.PGPORT,
    user: config.PGUSER,
    password: config.PGPASSWORD,
    database: config.PGDATABASE,
    ssl: postgresSslOptions(config),
    max: options.max ?? config.PG_POOL_MAX,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  };
}

/**
 * A pool whose idle-client errors (server restart, network blip) are reported instead of
 * crashing the process: pg emits them on the pool, and an unhandled 'error' event kills Node.
 */
export function createPostgresPool(
  config: PostgresConfig,
  options: PostgresClientOptions,
  onIdleError: (error: Error) => void = () => undefined,
): Pool {
  const pool = new Pool(postgresPoolConfig(config, options));
  pool.on('error', onIdleError);
  // A checked-out client whose connection dies between queries (the server restarts while a
  // transaction waits on Kafka, an administrator terminates it) emits 'error' on itself; the pool
  // listens only to idle clients, and an 'error' event nobody listens to kills the process. The
  // failure still surfaces: the client's next query rejects and its holder releases it.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

export async function pingPostgres(pool: Pool): Promise<{ serverVersion: string }> {
  const result = await pool.query<{ server_version: string }>('SHOW server_version');
  return { serverVersion: result.rows[0].server_version };
}
