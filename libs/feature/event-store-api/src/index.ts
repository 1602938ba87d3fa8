export * from './event-store-api.config';
export * from './event-store-api.module';
export * from './event-store.controller';
export * from './append-request.schema';
export * from './event-store-commands.controller';
