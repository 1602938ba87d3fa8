import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { PG_POOL } from '@mch/infra-postgres';
import { KAFKA_CLIENT } from '@mch/infra-kafka';
import { SERVICE_CONFIG, SERVICE_LOGGER, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import { ChangeStreamer } from '@mch/data-kafka-migration';
import type { ServiceReadiness, ServiceReadinessState } from '@mch/infra-health';
import type { Logger } from '@mch/util-logger';
import type { KafkaMigratorConfig } from './kafka-migrator.config';
import { buildMigrator, type MigratorParts } from './migrator.wiring';

/**
 * Stream mode: sets up change capture (idempotent) and streams changes until shutdown. It is ready
 * only once capture is set up and streaming: a backfill started before that would lose the
 * changes made in between, and a capture that could not start (a slot of another database, a
 * missing publication right) keeps the pod unready with the reason instead of looking healthy.
 */
@Injectable()
export class ChangeStreamerRunner implements OnApplicationBootstrap, OnApplicationShutdown, ServiceReadiness {
  private parts?: MigratorParts;
  private streamer?: ChangeStreamer;
  private startError?: string;
  private readonly config: KafkaMigratorConfig;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) serviceConfig: LoadedServiceConfig,
  ) {
    this.config = serviceConfig.app as KafkaMigratorConfig;
  }

  async onApplicationBootstrap(): Promise<void> {
    void this.start().catch((error: unknown) => {
      this.startError = error instanceof Error ? error.message : String(error);
      this.logger.error('change streaming could not start', { error });
      process.exitCode = 1;
    });
  }

  private async start(): Promise<void> {
    this.parts = await buildMigrator(this.pool, this.kafka, this.logger, this.config);
    await this.parts.capture.setup();
    this.streamer = new ChangeStreamer(this.parts.capture, this.parts.publisher, this.parts.run, this.logger);
    this.streamer.start();
    this.logger.info('change streaming started', { mode: this.parts.capture.mode, entities: this.config.ENTITIES });
  }

  readiness(): ServiceReadinessState {
    if (this.startError) return { ready: false, details: { capture: 'failed', message: this.startError } };
    if (!this.streamer) return { ready: false, details: { capture: 'starting' } };
    return { ready: true, details: { capture: this.parts?.capture.mode ?? null } };
  }

  status() {
    return { mode: this.parts?.capture.mode ?? null, stats: this.streamer?.stats ?? null, migrationId: this.config.migrationId };
  }

  async retainedWalBytes(): Promise<number | null> {
    return this.parts ? this.parts.capture.retainedWalBytes() : null;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.streamer?.stop();
    await this.parts?.close();
  }
}
