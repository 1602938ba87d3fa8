export { MonolithWorkload, type MonolithWorkloadOptions, type WorkloadStats } from './lib/monolith.workload';
export { EventStoreHttpClient, type DomainEventAppend, type DomainEventSink } from './lib/event-store.client';
export { LatencyRecorder, nearestRank, type LatencySummary } from './lib/latency.recorder';
export { GeneratedRows, changeOpportunityStatus, insertGenerated, type WorkloadTable } from './lib/monolith-writes';
