import { Module } from '@nestjs/common';
import { SERVICE_READINESS } from '@mch/infra-health';
import { ChangeStreamerRunner } from './change-streamer.runner';
import { KafkaMigratorController } from './kafka-migrator.controller';
import { KafkaMigratorMetrics, KafkaMigratorMetricsController } from './kafka-migrator.metrics';

@Module({
  controllers: [KafkaMigratorController, KafkaMigratorMetricsController],
  providers: [ChangeStreamerRunner, KafkaMigratorMetrics, { provide: SERVICE_READINESS, useExisting: ChangeStreamerRunner }],
})
export class KafkaMigratorModule {}
