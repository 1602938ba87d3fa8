export * from './api-token.check';
