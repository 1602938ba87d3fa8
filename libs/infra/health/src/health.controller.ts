import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { StoreHealthIndicators } from './store.health';

/**
 * Liveness says the process serves requests (a restart would help otherwise); readiness says its
 * stores answer (traffic and Argo Rollouts analysis should wait otherwise). A store outage must
 * never fail liveness, or Kubernetes would restart healthy pods during the outage.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly stores: StoreHealthIndicators,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.stores.checks());
  }
}
