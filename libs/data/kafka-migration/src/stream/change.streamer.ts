import type { Logger } from '@mch/util-logger';
import type { ChangeCapture } from '../capture/change-capture';
import { ReplicationSlotLostError } from '../capture/slot-gap';
import type { KafkaPublisher } from '../publish/kafka.publisher';
import type { ChangeRecord, MigrationRunInfo } from '../publish/change-record';

export interface StreamerStats {
  published: number;
  failed: number;
  polls: number;
  lastPublishAt: Date | null;
}

export interface StreamerOptions {
  batchSize: number;
  idleMs: number;
  /** Sees every batch once Kafka acknowledged it (the re-snapshot learns which keys changed). */
  onPublished?: (changes: readonly ChangeRecord[]) => void;
}

/**
 * Moves captured changes to Kafka: poll, publish (acknowledged), then let the capture forget
 * them. Runs beside the backfill and after it, until cut-over.
 */
export class ChangeStreamer {
  private running = false;
  private loop?: Promise<void>;
  readonly stats: StreamerStats = { published: 0, failed: 0, polls: 0, lastPublishAt: null };
  /** Set when streaming stopped for good (a lost slot): retrying could only skip changes. */
  failure: ReplicationSlotLostError | null = null;

  constructor(
    private readonly capture: ChangeCapture,
    private readonly publisher: KafkaPublisher,
    private readonly run: MigrationRunInfo,
    private readonly logger: Logger,
    private readonly options: StreamerOptions = { batchSize: 5_000, idleMs: 200 },
  ) {}

  /** One poll-publish-acknowledge round; returns whether the backlog was drained. */
  async step(): Promise<boolean> {
    const batch = await this.capture.poll(this.options.batchSize);
    this.stats.polls++;
    if (batch.changes.length > 0) {
      const result = await this.publisher.publish(batch.changes, this.run);
      this.stats.published += result.published;
      this.stats.failed += result.failed;
      this.stats.lastPublishAt = new Date();
      this.options.onPublished?.(batch.changes);
    }
    await batch.acknowledge();
    return batch.drained;
  }

  /** Streams until everything committed before the call has been published. */
  async catchUp(timeoutMs = 120_000): Promise<void> {
    const barrier = await this.capture.barrier();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const drained = await this.step();
      if (drained && (await this.capture.reached(barrier))) return;
      if (Date.now() > deadline) throw new Error(`change capture did not catch up to ${barrier} within ${timeoutMs} ms`);
      if (drained) await new Promise((resolve) => setTimeout(resolve, this.options.idleMs));
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          if (await this.step()) await new Promise((resolve) => setTimeout(resolve, this.options.idleMs));
        } catch (error) {
          if (error instanceof ReplicationSlotLostError) {
            // Logged by the capture with slot, run and the recovery; nothing to retry.
            this.failure = error;
            this.running = false;
            return;
          }
          this.logger.error('change streaming step failed; retrying', { error });
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    })();
  }

  /** Settles when the loop ended: stopped, or failed for good (see failure). */
  get stopped(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
