import { randomBytes } from 'node:crypto';
import { createMigratedDatabase, freePort } from '@mch/testing-stack';
import { OPPORTUNITY_EVENTS } from '@mch/data-clickhouse-analytics';
import { createClickHouseTestDatabase } from '@mch/data-clickhouse-analytics/testing';
import { MachineCpu, processCpuSeconds } from './cpu-usage';
import { NoiseLog, startEntry, waitUntil, type EntryProcess } from '../demo/service-process';

export interface ReplicasRun {
  seconds: number;
  /** Share of both cores busy over the run (every process on the machine). */
  machineBusy: number;
  /** CPU seconds the populator processes used, per second of the run. */
  populatorCores: number;
}

/**
 * `replicas` processes of the built clickhouse-populator entry point (as its Deployment runs them:
 * `replicas: 2` in k8s/base), one consumer group, consuming the opportunity topic under `topicPrefix`
 * into a fresh database. Returns the seconds from the first process's start (start-up included, as
 * the Kafka engine's is from its view's creation) until ClickHouse holds every event, once each.
 * The caller builds the app first (buildApps) and owns the topic.
 */
export async function populatorReplicasRun(
  topicPrefix: string,
  events: number,
  replicas: number,
  noise: NoiseLog,
): Promise<ReplicasRun> {
  const db = await createClickHouseTestDatabase('bench_chr');
  // Its processing log and schema check need the event-sourcing tables (migrations 016-020).
  const pg = await createMigratedDatabase('bench_chr');
  const group = `bench-populator-${replicas}-${randomBytes(4).toString('hex')}`;
  const processes: EntryProcess[] = [];
  const table = `${db.name}.${OPPORTUNITY_EVENTS.name}`;
  try {
    const started = performance.now();
    const machine = new MachineCpu();
    for (let index = 0; index < replicas; index++) {
      processes.push(
        startEntry(
          `clickhouse-populator-${index}-of-${replicas}`,
          'clickhouse-populator',
          [],
          {
            ...process.env,
            CLICKHOUSE_DATABASE: db.name,
            PGDATABASE: pg.name,
            CLICKHOUSE_POPULATOR_ENTITIES: 'opportunity',
            CLICKHOUSE_POPULATOR_TOPIC_PREFIX: topicPrefix,
            CLICKHOUSE_POPULATOR_GROUP_ID: group,
            HTTP_PORT: String(await freePort()),
            HTTP_HOST: '127.0.0.1',
            HOSTNAME: `clickhouse-populator-${index}`,
            LOG_LEVEL: 'warn',
          },
          noise,
          { manifest: 'clickhouse-populator.yaml' },
        ),
      );
    }
    const output = () => processes.map((p) => `${p.name}:\n${p.output().slice(-2_000)}`).join('\n');
    let held = 0;
    await waitUntil(
      `${replicas} populator processes writing ${events} events`,
      async () => {
        const exited = processes.find((p) => p.child.exitCode !== null);
        if (exited) throw new Error(`${exited.name} exited ${exited.child.exitCode}\n${exited.output().slice(-3_000)}`);
        // The table appears once a process has started; until then nothing is written.
        const result = await db.client
          .query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })
          .then((r) => r.json<{ n: string }>())
          .catch(() => [{ n: '0' }]);
        held = Number(result[0]?.n ?? 0);
        return held >= events;
      },
      600_000,
      output,
    );
    const seconds = (performance.now() - started) / 1000;
    const machineBusy = machine.busyFraction();
    const populatorCores = processes.reduce((sum, p) => sum + (processCpuSeconds(p.child.pid ?? -1) ?? 0), 0) / seconds;
    const [distinct] = await db.client
      .query({ query: `SELECT uniqExact(event_id) AS n, count() AS rows FROM ${table}`, format: 'JSONEachRow' })
      .then((r) => r.json<{ n: string; rows: string }>());
    if (Number(distinct.n) !== events || Number(distinct.rows) !== events)
      throw new Error(`${replicas} populator processes wrote ${distinct.rows} rows, ${distinct.n} distinct events, of ${events}`);
    return { seconds, machineBusy, populatorCores };
  } finally {
    const codes = await Promise.all(processes.map((p) => p.stop()));
    await db.drop();
    await pg.drop();
    // SIGTERM is how a pod is stopped; NestJS re-raises it after its shutdown hooks, so that ends by the signal.
    codes.forEach((code, i) => {
      if (code !== 0 && processes[i].child.signalCode !== 'SIGTERM') noise.add(processes[i].name, `exited ${code ?? processes[i].child.signalCode} when stopped`);
    });
  }
}
