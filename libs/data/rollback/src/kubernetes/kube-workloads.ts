import { KubeApiError, type KubeApiClient } from './kube-api.client';
import { imagesOfPodSpec, PART_OF_LABEL, workloadStateOf, type ContainerImage, type K8sObjectLike, type WorkloadKind, type WorkloadState } from './workload-state';

/** API collection of each kind in the client's namespace. */
export function collectionPath(kind: WorkloadKind | 'ReplicaSet', namespace: string): string {
  const ns = encodeURIComponent(namespace);
  switch (kind) {
    case 'Deployment':
      return `/apis/apps/v1/namespaces/${ns}/deployments`;
    case 'ReplicaSet':
      return `/apis/apps/v1/namespaces/${ns}/replicasets`;
    case 'Rollout':
      return `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts`;
    case 'Job':
      return `/apis/batch/v1/namespaces/${ns}/jobs`;
  }
}

export function objectPath(kind: WorkloadKind, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

/** The toolkit's workloads (label part-of) of the namespace; Rollouts only when the Argo CRD is installed. */
export async function readWorkloads(api: KubeApiClient): Promise<{ states: WorkloadState[]; objects: Map<string, K8sObjectLike>; argoInstalled: boolean }> {
  const states: WorkloadState[] = [];
  const objects = new Map<string, K8sObjectLike>();
  let argoInstalled = true;
  for (const kind of ['Deployment', 'Rollout', 'Job'] as const) {
    let items: K8sObjectLike[];
    try {
      items = (await api.get<{ items: K8sObjectLike[] }>(`${collectionPath(kind, api.namespace)}?labelSelector=${encodeURIComponent(PART_OF_LABEL)}`)).items;
    } catch (error) {
      // No Argo Rollouts CRD: the API has no such resource (404). Base without the component.
      if (kind === 'Rollout' && error instanceof KubeApiError && error.status === 404) {
        argoInstalled = false;
        continue;
      }
      throw error;
    }
    for (const item of items) {
      const state = workloadStateOf({ ...item, kind });
      if (state === null) continue;
      states.push(state);
      objects.set(`${kind}/${state.name}`, { ...item, kind });
    }
  }
  return { states, objects, argoInstalled };
}

export interface Revision {
  revision: number;
  replicaSet: string;
  containers: ContainerImage[];
}

const REVISION_ANNOTATION: Record<'Deployment' | 'Rollout', string> = {
  Deployment: 'deployment.kubernetes.io/revision',
  Rollout: 'rollout.argoproj.io/revision',
};

/**
 * The revisions of a Deployment or Rollout, newest first, from the ReplicaSets it owns (what
 * `kubectl rollout history` and `kubectl argo rollouts undo` read). The previous revision is [1].
 */
export async function revisionsOf(api: KubeApiClient, owner: { kind: 'Deployment' | 'Rollout'; name: string }): Promise<Revision[]> {
  const { items } = await api.get<{ items: K8sObjectLike[] }>(collectionPath('ReplicaSet', api.namespace));
  return items
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === owner.kind && o.name === owner.name))
    .map((rs) => ({
      revision: Number(rs.metadata?.annotations?.[REVISION_ANNOTATION[owner.kind]] ?? NaN),
      replicaSet: rs.metadata?.name ?? '',
      containers: imagesOfPodSpec((rs.spec?.['template'] as { spec?: Parameters<typeof imagesOfPodSpec>[0] } | undefined)?.spec),
    }))
    .filter((r) => Number.isFinite(r.revision))
    .sort((a, b) => b.revision - a.revision);
}
