import { randomUUID } from 'node:crypto';
import { createMigratedDatabase, freePort, type MigratedDatabase } from '@mch/testing-stack';
import { TEST_API_TOKEN, httpStatus, startService, waitFor, type ServiceProcess } from './service-process';

/** The two services with state-changing HTTP endpoints, on a fresh migrated database. */
export interface ApiServices {
  db: MigratedDatabase;
  eventStore: ServiceProcess;
  checker: ServiceProcess;
  stop(): Promise<void>;
}

/** Waits for /health/ready, failing at once (with its output) if the service exits instead. */
export function waitReady(service: ServiceProcess, timeoutMs = 180_000): Promise<void> {
  return waitFor(
    `${service.name} ready`,
    async () => {
      if (service.child.exitCode !== null)
        throw new Error(
          `${service.name} exited ${service.child.exitCode}:\n${service.output().slice(-3_000)}`,
        );
      return (await httpStatus(`${service.url}/health/ready`)).status === 200;
    },
    timeoutMs,
  );
}

/**
 * event-store (outbox relay off) and consistency-checker (checks on demand only, against Kafka
 * topics nothing else uses, so a run is harmless) as their containers run them, with the test
 * API token.
 */
export async function startApiServices(name: string, logLevel: string): Promise<ApiServices> {
  const db = await createMigratedDatabase(name);
  const env = { ...process.env, PGDATABASE: db.name, API_TOKEN: TEST_API_TOKEN, LOG_LEVEL: logLevel };
  const eventStore = startService('event-store', await freePort(), { ...env, OUTBOX_RELAY_ENABLED: 'false' });
  const checker = startService('consistency-checker', await freePort(), {
    ...env,
    CONSISTENCY_INTERVAL_SECONDS: '0',
    CONSISTENCY_TARGETS: 'kafka',
    CONSISTENCY_TOPIC_PREFIX: `it.${name}.${randomUUID()}.`,
    CONSISTENCY_MIGRATION_ID: randomUUID(),
    CONSISTENCY_EVENT_STORE: 'none',
    CONSISTENCY_KAFKA_TIMEOUT_SECONDS: '5',
  });
  const stop = async () => {
    await Promise.all([eventStore.stop(), checker.stop()]);
    await db.drop();
  };
  try {
    await Promise.all([waitReady(eventStore), waitReady(checker)]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { db, eventStore, checker, stop };
}
