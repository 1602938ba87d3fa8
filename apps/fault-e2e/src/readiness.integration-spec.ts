import { TEST_API_TOKEN, createMigratedDatabase, freePort, httpStatus, startService, waitFor, type MigratedDatabase, type ServiceProcess } from '@mch/testing-stack';
import { faultStack as stack, faultStackStatus as stackStatus, type Store } from './support/fault-stack';

// On the fault stack instance (jest setup file), never the default one: stopping the shared stack's
// stores would fail every other test run on this machine at the same time.

// `own`: the service's readiness beside its stores (kafka-migrator: capture set up and streaming).
const SERVICES: { name: string; stores: Store[]; own?: string[] }[] = [
  { name: 'event-store', stores: ['postgres', 'kafka'] },
  { name: 'kafka-migrator', stores: ['postgres', 'kafka'], own: ['service'] },
  { name: 'clickhouse-populator', stores: ['postgres', 'kafka', 'clickhouse'] },
  { name: 'weaviate-indexer', stores: ['postgres', 'kafka', 'weaviate'] },
  { name: 'consistency-checker', stores: ['postgres', 'kafka', 'clickhouse', 'weaviate'] },
];

type Answer = Awaited<ReturnType<typeof httpStatus>>;
const ready = (service: ServiceProcess): Promise<Answer> => httpStatus(`${service.url}/health/ready`);
const live = (service: ServiceProcess) => httpStatus(`${service.url}/health/live`);

describe('readiness of the five services follows their stores (real stores stopped and restarted)', () => {
  const running = new Map<string, ServiceProcess>();
  let db: MigratedDatabase;

  beforeAll(async () => {
    // The services get a database of their own: the migrator installs its change capture there.
    db = await createMigratedDatabase('readiness');
    const env = { ...process.env, PGDATABASE: db.name, MIGRATION_RUN: 'readiness', CAPTURE_MODE: 'trigger', ENTITIES: 'usage_record', API_TOKEN: TEST_API_TOKEN };
    const ports = new Set<number>();
    while (ports.size < SERVICES.length) ports.add(await freePort());
    const assigned = [...ports];
    SERVICES.forEach((service, i) => running.set(service.name, startService(service.name, assigned[i], env)));
    // Waited for together: five processes compiling and connecting on two cores start slowly when
    // an earlier suite has left the stores busy, and one slow start must not eat the others' time.
    const starts = await Promise.allSettled(
      [...running.values()].map((service) =>
        waitFor(`${service.name} to be ready`, async () => {
          if (service.child.exitCode !== null) throw new Error(`${service.name} exited with code ${service.child.exitCode}`);
          return (await ready(service)).status === 200;
        }, 180_000).catch(async (error: Error) => {
          const { body } = await ready(service);
          throw new Error(`${error.message}; last readiness: ${JSON.stringify(body)}\n--- ${service.name} output ---\n${service.output().slice(-4_000)}`);
        }),
      ),
    );
    const failures = starts.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error).message)] : []));
    if (failures.length > 0) throw new Error(`${failures.join('\n\n')}\n--- stack status ---\n${stackStatus()}`);
  }, 240_000);

  afterAll(async () => {
    for (const store of ['postgres', 'kafka', 'clickhouse', 'weaviate'] as Store[]) stack('up', store);
    await Promise.all([...running.values()].map((s) => s.stop()));
    await db?.drop();
  }, 180_000);

  it('every service answers live and ready, and readiness lists exactly its stores', async () => {
    for (const service of SERVICES) {
      const process = running.get(service.name) as ServiceProcess;
      expect((await live(process)).status).toBe(200);
      const { status, body } = await ready(process);
      expect(status).toBe(200);
      expect(Object.keys(body.details as object).sort()).toEqual([...service.stores, ...(service.own ?? [])].sort());
    }
  });

  /** Waits on one service; a timeout says what it last answered, whether it still runs, and its log tail. */
  async function watch(service: ServiceProcess, what: string, predicate: (answer: Answer) => boolean, timeoutMs = 60_000): Promise<void> {
    let last: Answer = { status: 0, body: {} };
    await waitFor(`${service.name} ${what}`, async () => predicate((last = await ready(service))), timeoutMs).catch((error: Error) => {
      const exit = service.child.exitCode === null ? 'still running' : `exited with ${service.child.exitCode}`;
      throw new Error(`${error.message}; last readiness ${last.status} ${JSON.stringify(last.body)}; ${exit}\n--- ${service.name} output ---\n${service.output().slice(-3_000)}`);
    });
  }

  for (const store of ['clickhouse', 'weaviate', 'postgres', 'kafka'] as Store[]) {
    it(`stopping ${store} makes exactly its users unready (still live), and starting it makes them ready again`, async () => {
      const users = SERVICES.filter((s) => s.stores.includes(store));
      const others = SERVICES.filter((s) => !s.stores.includes(store));
      stack('down', store);
      try {
        for (const user of users) {
          const process = running.get(user.name) as ServiceProcess;
          await watch(process, `to report ${store} down`, ({ status, body }) => {
            const error = body.error as Record<string, { status: string }> | undefined;
            return status === 503 && error?.[store]?.status === 'down';
          });
          expect((await live(process)).status).toBe(200);
        }
        // Ready while the store is still down. Waited for rather than sampled once: on a loaded
        // machine any probe may miss its 2 s budget once, which is not what this test is about.
        for (const other of others) {
          await watch(running.get(other.name) as ServiceProcess, `to stay ready without ${store}`, ({ status, body }) => {
            return status === 200 && !Object.keys((body.details as object | undefined) ?? {}).includes(store);
          });
        }
      } finally {
        stack('up', store);
      }
      for (const user of users) {
        await watch(running.get(user.name) as ServiceProcess, `to be ready after ${store} returned`, ({ status }) => status === 200, 90_000);
      }
    }, 300_000);
  }
});
