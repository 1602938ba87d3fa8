export * from './cli-program';
export * from './progress.reporter';
