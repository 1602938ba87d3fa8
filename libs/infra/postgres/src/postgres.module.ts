import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { PostgresConfig } from '@mch/util-config';
import type { Logger } from '@mch/util-logger';
import { createPostgresPool } from './postgres.client';

export const PG_POOL = Symbol('PG_POOL');
export const POSTGRES_CONFIG = Symbol('POSTGRES_CONFIG');

@Injectable()
class PostgresPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Global()
@Module({})
export class PostgresModule {
  static forRoot(config: PostgresConfig, options: { applicationName: string; logger: Logger }): DynamicModule {
    return {
      module: PostgresModule,
      providers: [
        { provide: POSTGRES_CONFIG, useValue: config },
        {
          provide: PG_POOL,
          useFactory: () =>
            createPostgresPool(config, { applicationName: options.applicationName }, (error) =>
              options.logger.warn('postgres idle client error', { error }),
            ),
        },
        PostgresPoolCloser,
      ],
      exports: [PG_POOL, POSTGRES_CONFIG],
    };
  }
}
