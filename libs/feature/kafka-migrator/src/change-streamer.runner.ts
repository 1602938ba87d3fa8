import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { PG_POOL } from '@mch/infra-postgres';
import { KAFKA_CLIENT } from '@mch/infra-kafka';
import { SERVICE_CONFIG, SERVICE_LOGGER, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import { ChangeStreamer, ReplicationSlotLostError } from '@mch/data-kafka-migration';
import type { ServiceReadiness, ServiceReadinessState } from '@mch/infra-health';
import type { Logger } from '@mch/util-logger';
import type { KafkaMigratorConfig } from './kafka-migrator.config';
import { buildMigrator, type MigratorParts } from './migrator.wiring';

/**
 * Stream mode: sets up change capture (idempotent) and streams changes until shutdown. It is ready
 * only once capture is set up and streaming: a backfill started before that would lose the
 * changes made in between, and a capture that could not start (a slot of another database, a
 * missing publication right) keeps the pod unready with the reason instead of looking healthy.
 * A lost replication slot (dropped, or invalidated by max_slot_wal_keep_size) stops streaming
 * for good: unready with reason replication_slot_lost and the recovery to run; once the
 * re-snapshot closed the gap, streaming resumes on the slot it re-created.
 */
@Injectable()
export class ChangeStreamerRunner implements OnApplicationBootstrap, OnApplicationShutdown, ServiceReadiness {
  private parts?: MigratorParts;
  private streamer?: ChangeStreamer;
  private startError?: string;
  private slotLost?: ReplicationSlotLostError;
  private recheck?: NodeJS.Timeout;
  private stopping = false;
  private readonly config: KafkaMigratorConfig;
  /** How often a stopped capture looks whether the re-snapshot closed the gap. */
  recheckMs = 5_000;

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
      if (error instanceof ReplicationSlotLostError) return this.stoppedBySlotLoss(error);
      this.startError = error instanceof Error ? error.message : String(error);
      this.logger.error('change streaming could not start', { error });
      process.exitCode = 1;
    });
  }

  private async start(): Promise<void> {
    this.parts ??= await buildMigrator(this.pool, this.kafka, this.logger, this.config);
    await this.parts.capture.setup();
    const streamer = new ChangeStreamer(this.parts.capture, this.parts.publisher, this.parts.run, this.logger);
    // Resumed after a re-snapshot: the counters go on (Prometheus counters cannot go back).
    if (this.streamer) Object.assign(streamer.stats, this.streamer.stats);
    this.streamer = streamer;
    this.slotLost = undefined;
    streamer.start();
    void streamer.stopped.then(() => {
      if (streamer.failure) this.stoppedBySlotLoss(streamer.failure);
    });
    this.logger.info('change streaming started', { mode: this.parts.capture.mode, entities: this.config.ENTITIES });
  }

  /** Unready until the gap is closed; setup refuses while it is open, so retrying is safe. */
  private stoppedBySlotLoss(error: ReplicationSlotLostError): void {
    this.slotLost = error;
    if (this.stopping || this.recheck) return;
    this.recheck = setInterval(() => {
      void this.resumeIfRecovered();
    }, this.recheckMs);
  }

  private async resumeIfRecovered(): Promise<void> {
    if (!this.parts || this.stopping) return;
    let gap;
    try {
      gap = (await this.parts.capture.openGap?.()) ?? null;
    } catch {
      return; // PostgreSQL unreachable: the stores' readiness says so; look again next time.
    }
    if (gap) {
      this.slotLost = new ReplicationSlotLostError(gap); // shows the recovery's progress
      return;
    }
    clearInterval(this.recheck);
    this.recheck = undefined;
    await this.start().catch((error: unknown) => {
      if (error instanceof ReplicationSlotLostError) return this.stoppedBySlotLoss(error);
      this.startError = error instanceof Error ? error.message : String(error);
      this.logger.error('change streaming could not resume after the re-snapshot', { error });
    });
  }

  readiness(): ServiceReadinessState {
    if (this.slotLost) {
      const { gap } = this.slotLost;
      return {
        ready: false,
        reason: 'replication_slot_lost',
        action: `run '${this.slotLost.details.action}' (docs/kafka-migrator.md, k8s/README.md)`,
        details: {
          capture: 'stopped',
          slot: gap.slot,
          run: gap.run,
          loss: gap.reason,
          detectedAt: gap.detectedAt,
          lastConfirmedLsn: gap.lastConfirmedLsn,
          recovering: gap.recovery ?? null,
          message: this.slotLost.message,
        },
      };
    }
    if (this.startError) return { ready: false, details: { capture: 'failed', message: this.startError } };
    if (!this.streamer) return { ready: false, details: { capture: 'starting' } };
    return { ready: true, details: { capture: this.parts?.capture.mode ?? null } };
  }

  status() {
    const slotGap = this.slotLost?.gap ?? null;
    return { mode: this.parts?.capture.mode ?? null, stats: this.streamer?.stats ?? null, migrationId: this.config.migrationId, slotGap };
  }

  async retainedWalBytes(): Promise<number | null> {
    return this.parts ? this.parts.capture.retainedWalBytes() : null;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.recheck);
    await this.streamer?.stop();
    await this.parts?.close();
  }
}
