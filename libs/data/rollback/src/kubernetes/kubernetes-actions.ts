import type { RollbackActionBase } from '../rollback.types';
import type { ContainerImage, K8sObjectLike, WorkloadKind } from './workload-state';

/** Scale a Deployment or Rollout to `replicas` (phase 10: to 0; phase 70: back to `replicasBefore`). */
export interface KubernetesScaleAction extends RollbackActionBase {
  kind: 'kubernetes.scale';
  target: 'kubernetes';
  workloadKind: Exclude<WorkloadKind, 'Job'>;
  name: string;
  /** The replicas read when planning; phase 70 restores exactly this. */
  replicasBefore: number;
  replicas: number;
}

/** Set a Job's spec.suspend (phase 10: true, deleting its active pods; phase 70: false). */
export interface KubernetesSuspendJobAction extends RollbackActionBase {
  kind: 'kubernetes.suspend-job';
  target: 'kubernetes';
  name: string;
  suspend: boolean;
}

export interface ImageChange {
  list: ContainerImage['list'];
  container: string;
  before: string;
  after: string;
}

/** Set the images of a Deployment's or Rollout's pod template (phase 60). */
export interface KubernetesPinImagesAction extends RollbackActionBase {
  kind: 'kubernetes.pin-images';
  target: 'kubernetes';
  workloadKind: Exclude<WorkloadKind, 'Job'>;
  name: string;
  /** `restore point <name>` or `previous revision <n> (ReplicaSet <rs>)`. */
  source: string;
  images: ImageChange[];
}

/**
 * A Job's pod template is immutable: delete the Job and create it again with the old images,
 * suspended (phase 70 starts it again when phase 10 suspended it).
 */
export interface KubernetesRecreateJobAction extends RollbackActionBase {
  kind: 'kubernetes.recreate-job';
  target: 'kubernetes';
  name: string;
  source: string;
  images: ImageChange[];
  /** The Job to create: the live object without server-set fields, images replaced, suspended. */
  manifest: K8sObjectLike;
}

export type KubernetesAction = KubernetesScaleAction | KubernetesSuspendJobAction | KubernetesPinImagesAction | KubernetesRecreateJobAction;
