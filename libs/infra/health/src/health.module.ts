import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HEALTH_OPTIONS, StoreHealthIndicators, type HealthOptions } from './store.health';
import type { StoreName } from './store-name';

@Module({})
export class HealthModule {
  static forStores(stores: readonly StoreName[], timeoutMs = 2_000): DynamicModule {
    const options: HealthOptions = { stores, timeoutMs };
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: HEALTH_OPTIONS, useValue: options }, StoreHealthIndicators],
      exports: [StoreHealthIndicators],
    };
  }
}
