import { randomUUID } from 'node:crypto';
import { createMigratedDatabase, freePort, waitReady, type MigratedDatabase } from '@mch/testing-stack';
import { TEST_API_TOKEN, startService, type ServiceProcess } from './service-process';

/** The two services with state-changing HTTP endpoints, on a fresh migrated database. */
export interface ApiServices {
  db: MigratedDatabase;
  eventStore: ServiceProcess;
  checker: ServiceProcess;
  stop(): Promise<void>;
}

// Moved to @mch/testing-stack with startService; re-exported for this app's specs.
export { waitReady };

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
