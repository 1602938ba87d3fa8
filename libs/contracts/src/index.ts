export * from './topics';
export * from './envelope/event-envelope';
export * from './entities/entity-data.schemas';
export * from './entities/entity-events';
export * from './ids/uuid-v5';
export * from './ids/migration-run';
export * from './dead-letters/dead-letter';
