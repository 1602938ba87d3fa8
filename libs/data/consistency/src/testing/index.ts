// Test and benchmark helpers (imported as @mch/data-consistency/testing); never by production code.
export * from './migrated-stores';
export * from './in-memory.view';
