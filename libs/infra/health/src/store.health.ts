import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ModuleRef } from '@nestjs/core';
import type { Pool } from 'pg';
import type { ClickHouseClient } from '@clickhouse/client';
import type { WeaviateClient } from 'weaviate-client';
import { PG_POOL } from '@mch/infra-postgres';
import { KafkaAdminHandle } from '@mch/infra-kafka';
import { CLICKHOUSE_CLIENT } from '@mch/infra-clickhouse';
import { WEAVIATE_CLIENT } from '@mch/infra-weaviate';
import type { StoreName } from './store-name';
import { withTimeout } from './with-timeout';
import { SERVICE_READINESS, readinessDetails, type ServiceReadiness } from './service-readiness';

export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');
export interface HealthOptions {
  stores: readonly StoreName[];
  timeoutMs: number;
}

type Probe = () => Promise<Record<string, unknown>>;

/**
 * One indicator per store, each a cheap round trip that proves the store answers queries (not
 * only that a port is open). Clients are looked up lazily so a service lists only its stores.
 */
@Injectable()
export class StoreHealthIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  checks(): (() => Promise<HealthIndicatorResult>)[] {
    const stores = this.options.stores.map((store) => () => this.check(store));
    const service = this.serviceReadiness();
    return service ? [...stores, async () => this.checkService(service)] : stores;
  }

  private checkService(service: ServiceReadiness): HealthIndicatorResult {
    const session = this.indicators.check('service');
    const state = service.readiness();
    return state.ready ? session.up(readinessDetails(state)) : session.down(readinessDetails(state));
  }

  /** The feature's own readiness, when its module provides one (most services have none). */
  private serviceReadiness(): ServiceReadiness | undefined {
    try {
      return this.moduleRef.get<ServiceReadiness>(SERVICE_READINESS as unknown as string, { strict: false });
    } catch {
      return undefined;
    }
  }

  async check(store: StoreName): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(store);
    try {
      const data = await withTimeout(this.probe(store)(), this.options.timeoutMs, store);
      return session.up(data);
    } catch (error) {
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  private probe(store: StoreName): Probe {
    const get = <T>(token: unknown): T => this.moduleRef.get<T>(token as string, { strict: false });
    switch (store) {
      case 'postgres':
        return async () => {
          await get<Pool>(PG_POOL).query('SELECT 1');
          return {};
        };
      case 'kafka':
        return async () => {
          const cluster = await (await get<KafkaAdminHandle>(KafkaAdminHandle).get()).describeCluster();
          return { brokers: cluster.brokers.length };
        };
      case 'clickhouse':
        return async () => {
          const result = await get<ClickHouseClient>(CLICKHOUSE_CLIENT).ping();
          if (!result.success) throw result.error;
          return {};
        };
      case 'weaviate':
        return async () => {
          if (!(await get<WeaviateClient>(WEAVIATE_CLIENT).isReady())) throw new Error('weaviate is not ready');
          return {};
        };
    }
  }
}
