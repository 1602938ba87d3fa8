import { Module } from '@nestjs/common';
import { SERVICE_READINESS } from '@mch/infra-health';
import { ChangeStreamerRunner } from './change-streamer.runner';
import { KafkaMigratorController } from './kafka-migrator.controller';
import { KafkaMigratorMetrics } from './kafka-migrator.metrics';

@Module({
  controllers: [KafkaMigratorController],
  providers: [ChangeStreamerRunner, KafkaMigratorMetrics, { provide: SERVICE_READINESS, useExisting: ChangeStreamerRunner }],
})
export class KafkaMigratorModule {}
