import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ChangeStreamerRunner } from './change-streamer.runner';

/** Prometheus metrics of the change streamer, read from its counters at scrape time. */
@Injectable()
export class KafkaMigratorMetrics {
  readonly registry = new Registry();
  private readonly published = new Counter({ name: 'mch_migrator_changes_published_total', help: 'Changes published to Kafka', registers: [this.registry] });
  private readonly failed = new Counter({ name: 'mch_migrator_changes_dead_lettered_total', help: 'Changes sent to the dead-letter topics', registers: [this.registry] });
  private readonly retained = new Gauge({ name: 'mch_migrator_capture_retained_wal_bytes', help: 'WAL held back by the capture slot (lag)', registers: [this.registry] });
  private readonly lastPublish = new Gauge({ name: 'mch_migrator_last_publish_timestamp_seconds', help: 'When changes were last published', registers: [this.registry] });
  private readonly slotLost = new Gauge({
    name: 'mch_migrator_capture_slot_lost',
    help: '1 while capture is stopped because its replication slot was lost (recover with kafka-migrator resnapshot)',
    registers: [this.registry],
  });
  private seen = { published: 0, failed: 0 };

  constructor(private readonly runner: ChangeStreamerRunner) {
    collectDefaultMetrics({ register: this.registry });
  }

  async render(): Promise<string> {
    const status = this.runner.status();
    this.slotLost.set(status.slotGap ? 1 : 0);
    const stats = status.stats;
    if (stats) {
      this.published.inc(stats.published - this.seen.published);
      this.failed.inc(stats.failed - this.seen.failed);
      this.seen = { published: stats.published, failed: stats.failed };
      if (stats.lastPublishAt) this.lastPublish.set(stats.lastPublishAt.getTime() / 1000);
    }
    const retained = await this.runner.retainedWalBytes();
    if (retained !== null) this.retained.set(retained);
    return this.registry.metrics();
  }
}

@Controller()
export class KafkaMigratorMetricsController {
  constructor(private readonly metrics: KafkaMigratorMetrics) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  render(): Promise<string> {
    return this.metrics.render();
  }
}
