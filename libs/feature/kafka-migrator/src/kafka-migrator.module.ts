import { Module } from '@nestjs/common';
import { ChangeStreamerRunner } from './change-streamer.runner';
import { KafkaMigratorController } from './kafka-migrator.controller';
import { KafkaMigratorMetrics, KafkaMigratorMetricsController } from './kafka-migrator.metrics';

@Module({
  controllers: [KafkaMigratorController, KafkaMigratorMetricsController],
  providers: [ChangeStreamerRunner, KafkaMigratorMetrics],
})
export class KafkaMigratorModule {}
