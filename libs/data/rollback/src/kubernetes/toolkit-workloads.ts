import type { WorkloadKind } from './workload-state';

/**
 * The workloads the overlays render (k8s/overlays/*), for the plan without a cluster: the commands an
 * operator runs by hand name these. `toolkit-workloads.spec.ts` renders both overlays and fails when
 * this list and the manifests differ. The Deployment event-store is only the Rollout's pod template
 * (workloadRef, replicas 0) and is rolled back through the Rollout.
 */
export const TOOLKIT_WORKLOADS: readonly { kind: WorkloadKind; name: string }[] = [
  { kind: 'Deployment', name: 'clickhouse-populator' },
  { kind: 'Deployment', name: 'weaviate-indexer' },
  { kind: 'Deployment', name: 'kafka-migrator-cdc' },
  { kind: 'Deployment', name: 'event-store' },
  // The MiniLM inference service (docs/semantic-search.md): not a consumer, its image is rolled back like the others.
  { kind: 'Deployment', name: 'inference' },
  // The checker service (dashboard, scheduled checks): reads only; its image is rolled back like the others.
  { kind: 'Deployment', name: 'consistency-checker' },
  { kind: 'Rollout', name: 'event-store' },
  { kind: 'Job', name: 'schema-migrate' },
  { kind: 'Job', name: 'kafka-migrator-backfill' },
  { kind: 'Job', name: 'clickhouse-populator' },
  { kind: 'Job', name: 'weaviate-indexer' },
  { kind: 'Job', name: 'consistency-checker' },
];
