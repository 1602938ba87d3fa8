export * from './event-store';
export * from './event-store.types';
export * from './read-cursor';
export * from './reducers';
export * from './entity-projection';
