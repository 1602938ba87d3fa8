export * from './consumer-loop';
export * from './consumer-loop.types';
export * from './processing-log';
export * from './consumer-loop.metrics';
