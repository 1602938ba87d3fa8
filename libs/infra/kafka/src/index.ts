export * from './kafka.client';
export * from './kafka.module';
export * from './kafka.producer';
export * from './kafka.topics';
export * from './kafka.security';
export * from './kafka.message';
export * from './topic.scanner';
