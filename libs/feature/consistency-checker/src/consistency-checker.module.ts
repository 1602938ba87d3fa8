import { Module } from '@nestjs/common';
import { ServiceMetrics } from '@mch/util-metrics';
import { ConsistencyController } from './consistency.controller';
import { ConsistencyRunService } from './consistency-run.service';
import { ConsistencyMetrics } from './consistency.metrics';
import { DashboardController } from './dashboard.controller';
import { MigrationDashboardService } from './migration-dashboard.service';

/** The consistency checker as a service: scheduled checks, the latest report over HTTP, the migration dashboard, Prometheus gauges. */
@Module({
  controllers: [ConsistencyController, DashboardController],
  providers: [
    ConsistencyRunService,
    MigrationDashboardService,
    { provide: ConsistencyMetrics, inject: [ServiceMetrics], useFactory: (metrics: ServiceMetrics) => new ConsistencyMetrics(metrics) },
  ],
  exports: [ConsistencyRunService],
})
export class ConsistencyCheckerModule {}
