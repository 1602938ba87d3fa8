// A relay process for the crash test: runs the real OutboxRelay against the database in PG*
// until killed. Small batches so a SIGKILL lands in the middle of the work.
import { kafkaEnvSchema, loadConfigSections, postgresEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createPostgresPool } from '@mch/infra-postgres';
import { createKafka, createIdempotentProducer } from '@mch/infra-kafka';
import { DEFAULT_RELAY_OPTIONS, OutboxRelay } from '../outbox.relay';

async function main(): Promise<void> {
  const config = loadConfigSections({ postgres: postgresEnvSchema, kafka: kafkaEnvSchema });
  const logger = createLogger({ service: `relay-worker-${process.pid}`, level: 'warn' });
  const pool = createPostgresPool(config.postgres, { applicationName: 'relay-worker', max: 2 });
  const producer = createIdempotentProducer(createKafka(config.kafka, { clientId: 'relay-worker', logger }));
  await producer.connect();
  const relay = new OutboxRelay(pool, producer, logger, {
    ...DEFAULT_RELAY_OPTIONS,
    aggregatesPerBatch: 20,
    rowsPerBatch: 100,
    pollIntervalMs: 20,
  });
  relay.start();
  process.stdout.write('relay-worker started\n');
  process.on('SIGTERM', () => {
    void relay.stop().then(() => producer.disconnect()).then(() => pool.end()).then(() => process.exit(0));
  });
}

void main();
