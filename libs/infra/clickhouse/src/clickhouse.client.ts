import { readFileSync } from 'node:fs';
import { createClient, ClickHouseLogLevel, type ClickHouseClient, type Logger as ChLogger, type LogParams, type ErrorLogParams } from '@clickhouse/client';
import type { ClickHouseConfig } from '@mch/util-config';
import type { Logger } from '@mch/util-logger';

/** The client logs through console by default; route it into our JSON lines instead. */
function clickhouseLogger(logger: Logger): new () => ChLogger {
  const fields = (p: LogParams) => ({ module: p.module, ...(p.args ?? {}) });
  return class implements ChLogger {
    trace(p: LogParams) {
      logger.debug(`clickhouse: ${p.message}`, fields(p));
    }
    debug(p: LogParams) {
      logger.debug(`clickhouse: ${p.message}`, fields(p));
    }
    info(p: LogParams) {
      logger.info(`clickhouse: ${p.message}`, fields(p));
    }
    warn(p: LogParams) {
      logger.warn(`clickhouse: ${p.message}`, fields(p));
    }
    error(p: ErrorLogParams) {
      // A failed request is also raised to its caller, which decides (a capability probe expects
      // the failure): logged here at debug, or an expected probe would print a warning.
      if (p.message.endsWith('HTTP request error.')) logger.debug(`clickhouse: ${p.message}`, { ...fields(p), error: p.err });
      else logger.warn(`clickhouse: ${p.message}`, { ...fields(p), error: p.err });
    }
  };
}

export function createClickHouse(
  config: ClickHouseConfig,
  options: { applicationName: string; logger: Logger },
): ClickHouseClient {
  return createClient({
    url: config.CLICKHOUSE_URL,
    username: config.CLICKHOUSE_USER,
    password: config.CLICKHOUSE_PASSWORD,
    database: config.CLICKHOUSE_DATABASE,
    application: options.applicationName,
    // An https URL alone verifies against the system CAs; a private CA is given as a file.
    ...(config.CLICKHOUSE_CA_FILE ? { tls: { ca_cert: readFileSync(config.CLICKHOUSE_CA_FILE) } } : {}),
    request_timeout: 30_000,
    // Errors are raised to the caller, which decides; the client's own error log would duplicate them.
    log: { LoggerClass: clickhouseLogger(options.logger), level: ClickHouseLogLevel.WARN },
  });
}

export interface ClickHouseServerInfo {
  version: string;
  major: number;
  minor: number;
  /** `{name:Type}` placeholders; servers before 19.x reject them as unknown settings. */
  queryParameters: boolean;
}

export function parseClickHouseVersion(version: string): { major: number; minor: number } {
  const match = /^(\d+)\.(\d+)/.exec(version.trim());
  if (!match) throw new Error(`unrecognised ClickHouse version '${version}'`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/**
 * Capabilities are probed on the live server rather than inferred from the version alone: the
 * local stack runs 18.16 while production runs a current release, and the same code serves both.
 */
export async function detectClickHouseServer(client: ClickHouseClient): Promise<ClickHouseServerInfo> {
  const rows = await (await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })).json<{
    version: string;
  }>();
  const version = rows[0].version;
  let queryParameters = true;
  try {
    await client.query({ query: 'SELECT {probe:UInt8} AS probe', query_params: { probe: 1 }, format: 'JSONEachRow' });
  } catch {
    queryParameters = false;
  }
  return { version, ...parseClickHouseVersion(version), queryParameters };
}
