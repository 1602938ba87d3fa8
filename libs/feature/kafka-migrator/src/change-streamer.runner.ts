import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { PG_POOL } from '@mch/infra-postgres';
import { KAFKA_CLIENT } from '@mch/infra-kafka';
import { SERVICE_CONFIG, SERVICE_LOGGER, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import { ChangeStreamer } from '@mch/data-kafka-migration';
import type { Logger } from '@mch/util-logger';
import type { KafkaMigratorConfig } from './kafka-migrator.config';
import { buildMigrator, type MigratorParts } from './migrator.wiring';

/** Stream mode: sets up change capture (idempotent) and streams changes until shutdown. */
@Injectable()
export class ChangeStreamerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private parts?: MigratorParts;
  private streamer?: ChangeStreamer;
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
    void this.start().catch((error) => {
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
