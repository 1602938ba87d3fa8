export * from './minilm.embedder';
export * from './inference.server';
export * from './vectors.request';
export * from './meaning.fixture';
