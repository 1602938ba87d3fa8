export * from './topics';
export * from './envelope/event-envelope';
