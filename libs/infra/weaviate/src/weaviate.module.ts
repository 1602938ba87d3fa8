import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { WeaviateClient } from 'weaviate-client';
import type { WeaviateConfig } from '@mch/util-config';
import { connectWeaviate } from './weaviate.client';

export const WEAVIATE_CLIENT = Symbol('WEAVIATE_CLIENT');
export const WEAVIATE_CONFIG = Symbol('WEAVIATE_CONFIG');

@Injectable()
class WeaviateCloser implements OnApplicationShutdown {
  constructor(@Inject(WEAVIATE_CLIENT) private readonly client: WeaviateClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

@Global()
@Module({})
export class WeaviateModule {
  static forRoot(config: WeaviateConfig): DynamicModule {
    return {
      module: WeaviateModule,
      providers: [
        { provide: WEAVIATE_CONFIG, useValue: config },
        { provide: WEAVIATE_CLIENT, useFactory: () => connectWeaviate(config) },
        WeaviateCloser,
      ],
      exports: [WEAVIATE_CLIENT, WEAVIATE_CONFIG],
    };
  }
}
