import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { onInterrupt } from './interrupt-cleanup';

/**
 * Nice value given to everything of the migration when the monolith's database is to keep its own
 * cores (MCH_DEMO_DB_CORES=own): the lowest priority, so PostgreSQL and the application's workload
 * get the CPU they ask for first, as on a deployment where the stores and the pods run on other nodes.
 */
export const MIGRATION_NICE = 19;

/**
 * Nice value of the stack's Kafka, ClickHouse and Weaviate in that mode: below PostgreSQL, above the
 * migration's processes, as on a deployment where each store has nodes of its own and answers its
 * clients promptly. At the migration's own 19 a starved Kafka took 9-15 s to acknowledge the
 * backfill and a shard's connection attempt timed out (docs/benchmarks.md, the 10^6 attempt); nice
 * 10 weighs about 7 times nice 19.
 */
export const STORE_NICE = 10;

/** The pid of the process listening on 127.0.0.1:`port` (ss -ltnp), or null. */
export function listenerPid(port: number, ssOutput = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' })): number | null {
  const pid = /pid=(\d+)/.exec(ssOutput)?.[1];
  return pid ? Number(pid) : null;
}

/**
 * Sets the nice value of a process for the scheduler as this kernel groups it. With autogroup on
 * (kernel.sched_autogroup_enabled=1, as here), CPU is shared fairly between sessions first and a
 * thread's nice only counts within its session, so the session's own nice (/proc/<pid>/autogroup)
 * is what sets it against PostgreSQL's; without autogroup every thread's nice counts. Both are set.
 */
export function setProcessNice(pid: number, nice: number): void {
  setThreadsNice(pid, nice);
  setSessionNice(pid, nice);
}

/**
 * Linux keeps one nice per thread, and setpriority on a pid changes only its main thread: a JVM's
 * or a Go runtime's threads started before keep theirs, so every thread is set.
 */
function setThreadsNice(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      os.setPriority(Number(tid), nice);
    } catch {
      // A thread that ended between the listing and the call.
    }
  }
}

/** The nice of the process's session (autogroup), where the kernel has them; never our own session's. */
function setSessionNice(pid: number, nice: number): void {
  // Our own session's would lower the workload measured beside it.
  if (existsSync(`/proc/${pid}/autogroup`) && autogroupName(pid) !== autogroupName(process.pid)) writeFileSync(`/proc/${pid}/autogroup`, String(nice));
}

const autogroupName = (pid: number) => readFileSync(`/proc/${pid}/autogroup`, 'utf8').split(' ')[0];

/** The nice value of a process's session (autogroup), or null where the kernel has no autogroup. */
export function autogroupNice(pid: number): number | null {
  if (!existsSync(`/proc/${pid}/autogroup`)) return null;
  const nice = /nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'))?.[1];
  return nice === undefined ? null : Number(nice);
}

/** The stack's servers other than PostgreSQL (Kafka, ClickHouse, Weaviate), by the ports the client settings name. */
export function storePorts(env: NodeJS.ProcessEnv = process.env): { name: string; port: number }[] {
  const ports = [
    { name: 'kafka', port: Number(env.KAFKA_BROKERS?.split(',')[0]?.split(':').at(-1)) },
    { name: 'clickhouse', port: Number(env.CLICKHOUSE_URL ? new URL(env.CLICKHOUSE_URL).port : NaN) },
    { name: 'weaviate', port: Number(env.WEAVIATE_HTTP_PORT) },
  ];
  return ports.filter((p) => Number.isInteger(p.port) && p.port > 0);
}

/**
 * Lowers the stack's Kafka, ClickHouse and Weaviate to STORE_NICE for the run; `restore` puts
 * them back to what they had. Returns the servers it found (a server not found is left as it is).
 */
export function lowerStorePriority(env: NodeJS.ProcessEnv = process.env): { lowered: string[]; restore: () => void } {
  const changed: { pid: number; nice: number }[] = [];
  const lowered: string[] = [];
  for (const { name, port } of storePorts(env)) {
    const pid = listenerPid(port);
    if (pid === null) continue;
    changed.push({ pid, nice: autogroupNice(pid) ?? os.getPriority(pid) });
    setProcessNice(pid, STORE_NICE);
    lowered.push(`${name} (pid ${pid})`);
  }
  const putBack = () => {
    for (const { pid, nice } of changed.splice(0)) {
      try {
        setProcessNice(pid, nice);
      } catch {
        // The server stopped meanwhile.
      }
    }
  };
  // A demo stopped with Ctrl-C (or SIGTERM) would otherwise leave the shared stack lowered.
  const unregister = onInterrupt(putBack);
  const restore = () => {
    unregister();
    putBack();
  };
  return { lowered, restore };
}
