import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { KafkaConfig } from '@mch/util-config';
import type { Logger } from '@mch/util-logger';
import { createKafka } from './kafka.client';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export const KAFKA_CONFIG = Symbol('KAFKA_CONFIG');

/**
 * One admin connection per service, opened lazily: health checks and topic management share it
 * instead of opening a connection per request.
 */
@Injectable()
export class KafkaAdminHandle implements OnApplicationShutdown {
  private admin?: Admin;
  constructor(@Inject(KAFKA_CLIENT) private readonly kafka: Kafka) {}

  async get(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
  }
}

@Global()
@Module({})
export class KafkaModule {
  static forRoot(config: KafkaConfig, options: { clientId: string; logger: Logger }): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        { provide: KAFKA_CONFIG, useValue: config },
        { provide: KAFKA_CLIENT, useFactory: () => createKafka(config, options) },
        KafkaAdminHandle,
      ],
      exports: [KAFKA_CLIENT, KAFKA_CONFIG, KafkaAdminHandle],
    };
  }
}
