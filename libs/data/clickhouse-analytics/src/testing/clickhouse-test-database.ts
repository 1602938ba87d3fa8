import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '@mch/infra-clickhouse';
import { clickhouseEnvSchema, loadConfig, type ClickHouseConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';

export interface ClickHouseTestDatabase {
  name: string;
  config: ClickHouseConfig;
  client: ClickHouseClient;
  drop(): Promise<void>;
}

const quiet = createLogger({ service: 'clickhouse-it', level: 'error', sink: () => undefined });

/** A fresh ClickHouse database per test file, so parallel sessions never see each other's rows. */
export async function createClickHouseTestDatabase(prefix: string): Promise<ClickHouseTestDatabase> {
  const base = loadConfig(clickhouseEnvSchema);
  const name = `it_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  const admin = createClickHouse(base, { applicationName: 'clickhouse-it', logger: quiet });
  await admin.command({ query: `CREATE DATABASE ${name}` });
  await admin.close();
  const config = { ...base, CLICKHOUSE_DATABASE: name };
  const client = createClickHouse(config, { applicationName: 'clickhouse-it', logger: quiet });
  return {
    name,
    config,
    client,
    drop: async () => {
      await client.command({ query: `DROP DATABASE IF EXISTS ${name}` });
      await client.close();
    },
  };
}
