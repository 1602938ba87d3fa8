// Moved to @mch/testing-stack (shared with apps/fault-e2e); re-exported for this app's specs.
export { startLiveWriter, type LiveWriter, type LiveWriterStats } from '@mch/testing-stack';
