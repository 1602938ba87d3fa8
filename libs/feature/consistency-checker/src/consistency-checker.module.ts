import { Module } from '@nestjs/common';
import { ServiceMetrics } from '@mch/util-metrics';
import { ConsistencyController } from './consistency.controller';
import { ConsistencyRunService } from './consistency-run.service';
import { ConsistencyMetrics } from './consistency.metrics';

/** The consistency checker as a service: scheduled checks, the latest report over HTTP, Prometheus gauges. */
@Module({
  controllers: [ConsistencyController],
  providers: [
    ConsistencyRunService,
    { provide: ConsistencyMetrics, inject: [ServiceMetrics], useFactory: (metrics: ServiceMetrics) => new ConsistencyMetrics(metrics) },
  ],
  exports: [ConsistencyRunService],
})
export class ConsistencyCheckerModule {}
