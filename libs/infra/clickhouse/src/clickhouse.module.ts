import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '@mch/util-config';
import type { Logger } from '@mch/util-logger';
import { createClickHouse } from './clickhouse.client';

export const CLICKHOUSE_CLIENT = Symbol('CLICKHOUSE_CLIENT');
export const CLICKHOUSE_CONFIG = Symbol('CLICKHOUSE_CONFIG');

@Injectable()
class ClickHouseCloser implements OnApplicationShutdown {
  constructor(@Inject(CLICKHOUSE_CLIENT) private readonly client: ClickHouseClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

@Global()
@Module({})
export class ClickHouseModule {
  static forRoot(config: ClickHouseConfig, options: { applicationName: string; logger: Logger }): DynamicModule {
    return {
      module: ClickHouseModule,
      providers: [
        { provide: CLICKHOUSE_CONFIG, useValue: config },
        { provide: CLICKHOUSE_CLIENT, useFactory: () => createClickHouse(config, options) },
        ClickHouseCloser,
      ],
      exports: [CLICKHOUSE_CLIENT, CLICKHOUSE_CONFIG],
    };
  }
}
