import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createClickHouse, detectClickHouseServer } from './clickhouse.client';

describe('ClickHouse through the project client (real server)', () => {
  let client: ClickHouseClient;
  const table = 'it_clickhouse_roundtrip';

  beforeAll(() => {
    client = createClickHouse(loadConfig(clickhouseEnvSchema), {
      applicationName: 'infra-clickhouse-it',
      logger: createLogger({ service: 'infra-clickhouse-it', level: 'error', sink: () => undefined }),
    });
  });
  afterAll(async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.close();
  });

  it('detects the server version and whether it takes query parameters', async () => {
    const info = await detectClickHouseServer(client);
    expect(info.major).toBeGreaterThanOrEqual(18);
    // The local Debian server is 18.16, which predates {name:Type} parameters.
    expect(info.queryParameters).toBe(info.major >= 19);
  });

  it('probes without a warning line (the expected failure of an old server is logged at debug), and a failed query still reaches its caller', async () => {
    const lines: Record<string, unknown>[] = [];
    const logged = createClickHouse(loadConfig(clickhouseEnvSchema), {
      applicationName: 'infra-clickhouse-it',
      logger: createLogger({ service: 'infra-clickhouse-it', level: 'debug', sink: (l) => lines.push(JSON.parse(l)) }),
    });
    try {
      const info = await detectClickHouseServer(logged);
      await expect(logged.query({ query: 'SELECT no_such_column FROM system.one' })).rejects.toThrow(/no_such_column/);
      expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
      // On 18.16 the probe fails, and the failure is still there to read at debug.
      if (!info.queryParameters) expect(lines.some((l) => l.level === 'debug' && JSON.stringify(l).includes('probe'))).toBe(true);
    } finally {
      await logged.close();
    }
  });

  it('inserts rows with JSONEachRow and reads them back exactly', async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.command({
      query: `CREATE TABLE ${table} (id UUID, title String, amount Decimal(18, 2), at DateTime) ENGINE = MergeTree ORDER BY id`,
    });
    const rows = [
      { id: '5b0b6c1e-8a4f-4d7e-9a39-0c5a1f3d2e10', title: 'Wheelchairs \\ "manual"\n', amount: 1234567.89, at: '2026-01-02 03:04:05' },
      { id: '9e2d4a71-0f3b-4b8e-8c65-7d1a2b3c4d5e', title: 'Infusion pumps', amount: 0.01, at: '2026-06-30 23:59:59' },
    ];
    await client.insert({ table, values: rows, format: 'JSONEachRow' });
    const back = await (
      await client.query({ query: `SELECT id, title, toString(amount) AS amount, toString(at) AS at FROM ${table} ORDER BY title DESC`, format: 'JSONEachRow' })
    ).json<{ id: string; title: string; amount: string; at: string }>();
    expect(back).toEqual(rows.map((r) => ({ ...r, amount: r.amount.toFixed(2) })));
  });
});
