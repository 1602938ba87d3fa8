// The Debezium peer (issue #16): Debezium's PostgreSQL connector's initial snapshot of one table on
// Kafka Connect standalone, timed from the JVM's start to the snapshot topic's end offsets reaching
// the row count (every snapshot record acknowledged by the broker).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { PostgresConfig } from '@mch/util-config';
import {
  connectorFailure,
  connectorProperties,
  snapshotTopic,
  toProperties,
  workerProperties,
  type DebeziumPeerOptions,
} from './connect-standalone';

const ROOT = path.resolve(__dirname, '../../..');

function installDebezium(): string {
  const result = spawnSync('bash', [path.join(__dirname, 'peers.sh'), 'debezium'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`installing Debezium failed: ${result.stderr}`);
  return result.stdout.trim();
}

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

async function endOffsetSum(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
    return offsets.reduce((sum, o) => sum + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Seconds Debezium takes to snapshot `rows` rows of `table` into a topic of `partitions` partitions. */
export async function debeziumSnapshotSeconds(
  kafka: Kafka,
  pool: Pool,
  pg: PostgresConfig,
  table: string,
  rows: number,
  partitions: number,
): Promise<number> {
  if (process.env.KAFKA_SASL_MECHANISM)
    throw new Error('the Debezium peer runs against the plain-text stack only (KAFKA_SASL_MECHANISM is set)');
  const libs = installDebezium();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mch-bench-debezium-'));
  const id = `${Date.now()}`;
  const options: DebeziumPeerOptions = {
    bootstrapServers: process.env.KAFKA_BROKERS ?? '',
    restPort: await freePort(),
    offsetFile: path.join(dir, 'offsets'),
    connector: `bench-dbz-${id}`,
    topicPrefix: `bench-dbz-${id}`,
    partitions,
    slot: `bench_dbz_${id}`,
    publication: `bench_dbz_${id}`,
    table,
    pg: {
      host: pg.PGHOST,
      port: pg.PGPORT,
      user: pg.PGUSER,
      password: pg.PGPASSWORD,
      database: pg.PGDATABASE,
    },
  };
  // The password is in a file only its owner may read, deleted afterwards; never on a command line.
  writeFileSync(path.join(dir, 'worker.properties'), toProperties(workerProperties(options)), {
    mode: 0o600,
  });
  writeFileSync(path.join(dir, 'connector.properties'), toProperties(connectorProperties(options)), {
    mode: 0o600,
  });
  const topic = snapshotTopic(options.topicPrefix, table);
  const logFile = path.join(dir, 'server.log');
  const started = performance.now();
  const child = spawn(
    'java',
    [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      `-Dkafka.logs.dir=${dir}`,
      `-Dlog4j2.configurationFile=${ROOT}/tools/stack/kafka/log4j2.properties`,
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      path.join(dir, 'worker.properties'),
      path.join(dir, 'connector.properties'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const logTail = () => `${stderr}${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-3000) : ''}`;
  try {
    const deadline = started + Math.max(120_000, rows * 2);
    let lastStatus = 0;
    for (;;) {
      if (exited) throw new Error(`Kafka Connect exited before the snapshot ended:\n${logTail()}`);
      if (performance.now() > deadline)
        throw new Error(`Debezium snapshot of ${rows} rows not done in time:\n${logTail()}`);
      if ((await endOffsetSum(kafka, topic)) >= rows) return (performance.now() - started) / 1000;
      if (performance.now() - lastStatus > 2000) {
        lastStatus = performance.now();
        const response = await fetch(
          `http://127.0.0.1:${options.restPort}/connectors/${options.connector}/status`,
        ).catch(() => null);
        if (response?.ok) {
          const failure = connectorFailure(await response.json());
          if (failure) throw new Error(`Debezium ${failure}`);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(killer);
    }
    await pool.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [options.slot],
    );
    await pool.query(`DROP PUBLICATION IF EXISTS "${options.publication}"`);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
