// The ClickHouse Kafka-engine peer (issue #16): a second ClickHouse server (the stack's binary, its
// own ports and directory, torn down after; the shared server keeps its config) whose Kafka table and
// materialized view consume the bench's topic into the populator's table shape, timed from the view's
// creation (consumption starts) to the last row counted in the target table.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  OPPORTUNITY_EVENTS,
  createTableDdl,
  type AnalyticsCapabilities,
} from '@mch/data-clickhouse-analytics';
import { kafkaEngineDdl } from './kafka-engine.ddl';
import { MachineCpu } from '../cpu-usage';

const ROOT = path.resolve(__dirname, '../../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

// Settings the Kafka engine takes from the server: librdkafka's offset reset goes in <kafka>; the
// envelope's nested objects and its fields the table does not read need the two input settings; the
// engine flushes a block every stream_flush_interval_ms, set to the populator's 1 s batch wait.
const USERS = (hash: string) => `<?xml version="1.0"?>
<yandex>
  <profiles><default>
    <input_format_skip_unknown_fields>1</input_format_skip_unknown_fields>
    <input_format_import_nested_json>1</input_format_import_nested_json>
    <stream_flush_interval_ms>1000</stream_flush_interval_ms>
  </default></profiles>
  <users><default>
    <password_sha256_hex>${hash}</password_sha256_hex>
    <networks><ip>127.0.0.1/32</ip></networks>
    <profile>default</profile><quota>default</quota>
  </default></users>
  <quotas><default></default></quotas>
</yandex>
`;

/** How long the Kafka engine took, and how many rows it wrote for the events (its delivery is at least once). */
export interface KafkaEngineRun {
  seconds: number;
  rows: number;
  /** Share of the machine's CPU busy while it consumed (both servers, the broker, everything). */
  machineBusy: number;
}

/**
 * Seconds the Kafka engine takes to bring `events` events of `topic` into the opportunity_events
 * shape: until every event id is in the table. The engine delivers at least once (a consumer that
 * joins its group late makes the first one re-read what it had not committed), so the row count can
 * pass the event count before every event is in: distinct ids are counted, and the duplicates are
 * reported rather than failing the bench.
 */
export async function kafkaEngineRun(
  topic: string,
  events: number,
  caps: AnalyticsCapabilities,
  consumers: number,
): Promise<KafkaEngineRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mch-bench-ch-kafka-'));
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(path.join(dir, sub));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  const template = readFileSync(path.join(ROOT, 'tools/stack/clickhouse/config.xml.template'), 'utf8');
  const config = template
    .replace(/@DIR@/g, dir)
    .replace('@HTTP_PORT@', String(httpPort))
    .replace('@TCP_PORT@', String(tcpPort))
    .replace('</yandex>', '  <kafka><auto_offset_reset>smallest</auto_offset_reset></kafka>\n</yandex>');
  writeFileSync(path.join(dir, 'config.xml'), config);
  const password = randomBytes(18).toString('base64url');
  writeFileSync(path.join(dir, 'users.xml'), USERS(createHash('sha256').update(password).digest('hex')), {
    mode: 0o600,
  });
  const auth = `Basic ${Buffer.from(`default:${password}`).toString('base64')}`;
  // The server's last error lines without their stack frames.
  const errors = () =>
    readFileSync(path.join(dir, 'server.err.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('<Error>'))
      .slice(-3)
      .join('\n')
      .slice(0, 2000);
  const query = async (sql: string): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/`, {
      method: 'POST',
      headers: { authorization: auth },
      body: sql,
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`peer ClickHouse refused ${sql.slice(0, 80)}...: ${text.slice(0, 500)}`);
    return text;
  };
  const server: ChildProcess = spawn(
    '/usr/sbin/clickhouse-server',
    [`--config-file=${path.join(dir, 'config.xml')}`],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  try {
    for (let i = 0; ; i++) {
      const ping = await fetch(`http://127.0.0.1:${httpPort}/ping`)
        .then((r) => r.text())
        .catch(() => '');
      if (ping.startsWith('Ok')) break;
      if (i > 300 || server.exitCode !== null)
        throw new Error(
          `peer ClickHouse did not start:\n${readFileSync(path.join(dir, 'server.err.log'), 'utf8').slice(-2000)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    await query('CREATE DATABASE peer');
    await query(
      createTableDdl(OPPORTUNITY_EVENTS, caps).replace(/CREATE TABLE (IF NOT EXISTS )?/, '$&peer.'),
    );
    const ddl = kafkaEngineDdl(
      {
        database: 'peer',
        brokers: process.env.KAFKA_BROKERS ?? '',
        topic,
        group: `bench-ch-engine-${randomBytes(4).toString('hex')}`,
        consumers,
      },
      caps,
      OPPORTUNITY_EVENTS.name,
    );
    await query(ddl.kafkaTable);
    const started = performance.now();
    const cpu = new MachineCpu();
    await query(ddl.view);
    const deadline = started + Math.max(60_000, events * 2);
    for (;;) {
      const [distinct, rows] = (
        await query(`SELECT uniqExact(event_id), count() FROM peer.${OPPORTUNITY_EVENTS.name} FORMAT TSV`)
      )
        .trim()
        .split('\t')
        .map(Number);
      if (distinct > events) throw new Error(`Kafka engine wrote ${distinct} distinct events for ${events}`);
      if (distinct === events) return { seconds: (performance.now() - started) / 1000, rows, machineBusy: cpu.busyFraction() };
      if (performance.now() > deadline)
        throw new Error(`Kafka engine wrote ${distinct} of ${events} events in time:\n${errors()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await query('DROP TABLE IF EXISTS peer.opportunity_kafka_mv').catch(() => undefined);
    await query('DROP TABLE IF EXISTS peer.opportunity_kafka').catch(() => undefined);
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      const killer = setTimeout(() => server.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
