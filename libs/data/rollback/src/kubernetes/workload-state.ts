/**
 * The state of the toolkit's workloads a rollback reads, records (`mark`) and restores: per workload
 * its containers' images, its replicas (Deployment, Rollout) or suspend flag (Job). Built from API
 * objects and from rendered manifests alike (both are the same JSON shape).
 */
export type WorkloadKind = 'Deployment' | 'Rollout' | 'Job';

export interface ContainerImage {
  /** `containers` or `initContainers` of the pod template. */
  list: 'containers' | 'initContainers';
  name: string;
  image: string;
}

export interface WorkloadState {
  kind: WorkloadKind;
  name: string;
  /** Label app.kubernetes.io/name: what the workload runs (consumer or producer). */
  app: string | null;
  containers: ContainerImage[];
  /** Deployment/Rollout spec.replicas (1 when unset, as the API defaults it). */
  replicas?: number;
  /** Job spec.suspend. */
  suspend?: boolean;
  /** Job: Complete or Failed (a finished Job is neither suspended nor resumed). */
  finished?: boolean;
  /** Rollout with workloadRef: the Deployment whose pod template it runs (that Deployment is pinned instead). */
  templateFrom?: string;
}

/** What `rollback mark` records for the kubernetes target. */
export interface KubernetesMark {
  /** False when `mark` ran without a cluster: nothing was recorded. */
  configured: boolean;
  namespace?: string;
  source?: string;
  workloads: WorkloadState[];
}

/** The toolkit's label on every workload (k8s/base kustomization `labels`). */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of=medcontracthub-migration';
/** Topic consumers writing into the stores a rollback rewinds: suspended first, resumed last. */
export const CONSUMER_APPS: readonly string[] = ['clickhouse-populator', 'weaviate-indexer'];
/** The rollback Job's own component label: it never suspends or re-creates itself. */
export const ROLLBACK_COMPONENT = 'rollback';

export interface K8sObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

interface PodSpecLike {
  containers?: { name: string; image?: string }[];
  initContainers?: { name: string; image?: string }[];
}

export function imagesOfPodSpec(spec: PodSpecLike | undefined): ContainerImage[] {
  const out: ContainerImage[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of spec?.[list] ?? []) out.push({ list, name: c.name, image: c.image ?? '' });
  }
  return out;
}

/** The workload's state, or null for objects that are not workloads the rollback handles. */
export function workloadStateOf(object: K8sObjectLike): WorkloadState | null {
  const kind = object.kind;
  const name = object.metadata?.name;
  if (!name || (kind !== 'Deployment' && kind !== 'Rollout' && kind !== 'Job')) return null;
  const labels = object.metadata?.labels ?? {};
  if (labels['app.kubernetes.io/component'] === ROLLBACK_COMPONENT) return null;
  const spec = object.spec ?? {};
  const template = spec['template'] as { spec?: PodSpecLike } | undefined;
  const state: WorkloadState = { kind, name, app: labels['app.kubernetes.io/name'] ?? null, containers: imagesOfPodSpec(template?.spec) };
  if (kind === 'Job') {
    state.suspend = spec['suspend'] === true;
    const conditions = (object.status?.['conditions'] as { type: string; status: string }[] | undefined) ?? [];
    state.finished = conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  } else {
    state.replicas = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
    const ref = spec['workloadRef'] as { kind?: string; name?: string } | undefined;
    if (kind === 'Rollout' && ref?.kind === 'Deployment' && ref.name) state.templateFrom = ref.name;
  }
  return state;
}

export function isConsumer(state: WorkloadState): boolean {
  return state.app !== null && CONSUMER_APPS.includes(state.app);
}

/** Stable order for plans: consumers first (rollback-all order), then the other Deployments, Rollouts, Jobs. */
export function sortWorkloads(states: WorkloadState[]): WorkloadState[] {
  const rank = (s: WorkloadState): number => (s.kind === 'Job' ? 3 : isConsumer(s) ? 0 : s.kind === 'Deployment' ? 1 : 2);
  return [...states].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export const workloadKey = (s: { kind: string; name: string }): string => `${s.kind}/${s.name}`;
