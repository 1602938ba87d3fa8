import { Module } from '@nestjs/common';
import { ConsistencyController } from './consistency.controller';
import { ConsistencyRunService } from './consistency-run.service';
import { ConsistencyMetrics } from './consistency.metrics';

/** The consistency checker as a service: scheduled checks, the latest report over HTTP, Prometheus gauges. */
@Module({
  controllers: [ConsistencyController],
  providers: [
    ConsistencyRunService,
    { provide: ConsistencyMetrics, useFactory: () => new ConsistencyMetrics() },
  ],
  exports: [ConsistencyRunService],
})
export class ConsistencyCheckerModule {}
