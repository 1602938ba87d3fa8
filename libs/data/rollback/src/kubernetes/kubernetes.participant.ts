import { DomainException, ErrorCode } from '@mch/util-errors';
import type { ParticipantPlan, RollbackParticipant } from '../rollback-participant';
import { ROLLBACK_PHASES, type RollbackAction, type RollbackPlan, type RollbackRequest } from '../rollback.types';
import { KubeApiError, type KubeApiClient } from './kube-api.client';
import { collectionPath, objectPath, readWorkloads, revisionsOf } from './kube-workloads';
import type {
  ImageChange,
  KubernetesAction,
  KubernetesPinImagesAction,
  KubernetesRecreateJobAction,
  KubernetesScaleAction,
  KubernetesSuspendJobAction,
} from './kubernetes-actions';
import { operatorCommands } from './operator-commands';
import {
  isConsumer,
  sortWorkloads,
  workloadKey,
  workloadStateOf,
  type ContainerImage,
  type K8sObjectLike,
  type KubernetesMark,
  type WorkloadState,
} from './workload-state';

export interface KubernetesRollbackOptions {
  /** Namespace shown in the by-hand commands when no cluster is configured. */
  namespaceHint?: string;
  /** How long a re-created Job's predecessor may take to disappear after its delete. */
  deleteWaitMs?: number;
}

/**
 * The kubernetes target: phase 10 scales the consumer Deployments to 0 and suspends running Jobs
 * (recording what they had), phase 60 pins each workload's images back (a restore point's recorded
 * images, else the previous revision's, as `kubectl rollout undo` would choose) and re-creates Jobs
 * whose images change, phase 70 restores exactly the recorded replicas and un-suspends. Every action
 * sets absolute values, so a repeated step changes nothing. Without a cluster (`api` null) it plans no
 * action and lists the commands an operator runs by hand.
 */
export class KubernetesRollback implements RollbackParticipant {
  readonly target = 'kubernetes' as const;

  constructor(
    private readonly api: KubeApiClient | null,
    private readonly options: KubernetesRollbackOptions = {},
  ) {}

  async plan(request: RollbackRequest): Promise<ParticipantPlan> {
    const mark = request.restorePoint?.state.kubernetes as KubernetesMark | undefined;
    if (this.api === null) {
      return { actions: [], untouched: operatorCommands(this.options.namespaceHint ?? '"$NS"', mark, request.restorePoint?.name) };
    }
    const api = this.api;
    const { states, objects, argoInstalled } = await readWorkloads(api);
    const ns = api.namespace;
    const actions: KubernetesAction[] = [];
    const untouched: string[] = [];
    if (!argoInstalled) untouched.push(`kubernetes: no Argo Rollouts CRD in the cluster: no Rollout to roll back`);
    const sorted = sortWorkloads(states);

    for (const s of sorted) {
      if (s.kind !== 'Job' && isConsumer(s)) {
        const replicas = s.replicas ?? 1;
        if (replicas === 0) {
          untouched.push(`kubernetes ${workloadKey(s)}: already at 0 replicas, left at 0`);
          continue;
        }
        const scale = (phase: number, to: number, verb: string): KubernetesScaleAction => ({
          kind: 'kubernetes.scale', target: 'kubernetes', phase, workloadKind: s.kind as 'Deployment' | 'Rollout', name: s.name,
          replicasBefore: replicas, replicas: to,
          summary: `${verb} ${s.kind} ${ns}/${s.name}: replicas ${phase === ROLLBACK_PHASES.resumeConsumers ? 0 : replicas} -> ${to}`,
        });
        actions.push(scale(ROLLBACK_PHASES.suspendConsumers, 0, 'stop consumer'), scale(ROLLBACK_PHASES.resumeConsumers, replicas, 'resume consumer'));
      } else if (s.kind === 'Job') {
        if (s.finished || s.suspend) {
          untouched.push(`kubernetes Job/${s.name}: ${s.finished ? 'finished' : 'suspended'}, not suspended or resumed`);
          continue;
        }
        const suspend = (phase: number, value: boolean): KubernetesSuspendJobAction => ({
          kind: 'kubernetes.suspend-job', target: 'kubernetes', phase, name: s.name, suspend: value,
          summary: `${value ? 'suspend' : 'resume'} Job ${ns}/${s.name} (spec.suspend ${value})`,
          details: value ? ['its active pods are deleted; its checkpoints are kept'] : undefined,
        });
        actions.push(suspend(ROLLBACK_PHASES.suspendConsumers, true), suspend(ROLLBACK_PHASES.resumeConsumers, false));
      }
    }

    for (const s of sorted) {
      const target = await this.targetImages(s, states, mark, request.restorePoint?.name);
      if (typeof target === 'string') {
        if (target.length > 0) untouched.push(`kubernetes ${workloadKey(s)}: ${target}`);
        continue;
      }
      const images = imageChanges(s.containers, target.containers);
      if (images.length === 0) {
        untouched.push(`kubernetes ${workloadKey(s)}: images already as at ${target.source}`);
        continue;
      }
      const details = images.map((c) => `${c.list === 'initContainers' ? 'init container' : 'container'} ${c.container}: ${c.before} -> ${c.after}`);
      if (s.kind === 'Job') {
        const live = objects.get(workloadKey(s));
        actions.push({
          kind: 'kubernetes.recreate-job', target: 'kubernetes', phase: ROLLBACK_PHASES.images, name: s.name, source: target.source, images,
          manifest: recreatable(live ?? {}, images),
          summary: `re-create Job ${ns}/${s.name} with the images of ${target.source} (created suspended)`,
          details,
        } satisfies KubernetesRecreateJobAction);
      } else {
        const rollout = states.find((r) => r.kind === 'Rollout' && r.templateFrom === s.name);
        if (rollout) details.push(`the pod template of Rollout ${rollout.name}: Argo Rollouts rolls the change out`);
        actions.push({
          kind: 'kubernetes.pin-images', target: 'kubernetes', phase: ROLLBACK_PHASES.images, workloadKind: s.kind, name: s.name, source: target.source, images,
          summary: `pin ${s.kind} ${ns}/${s.name} to the images of ${target.source}`,
          details,
        } satisfies KubernetesPinImagesAction);
      }
    }
    return { actions, untouched };
  }

  /** The images a workload goes back to, or a string saying why it keeps its own ('' = say nothing). */
  private async targetImages(
    s: WorkloadState,
    states: WorkloadState[],
    mark: KubernetesMark | undefined,
    pointName: string | undefined,
  ): Promise<{ containers: ContainerImage[]; source: string } | string> {
    if (s.kind === 'Rollout' && s.templateFrom) return ''; // its Deployment is pinned
    if (pointName !== undefined) {
      if (!mark?.configured) return `restore point ${pointName} recorded no Kubernetes state (marked without a cluster): images left as they are`;
      const recorded = mark.workloads.find((w) => workloadKey(w) === workloadKey(s));
      if (!recorded) return `not in restore point ${pointName} (created after it): left as it is`;
      return { containers: recorded.containers, source: `restore point ${pointName}` };
    }
    if (s.kind === 'Job') return 'a Job has no revisions: with a timestamp its image is kept (mark a restore point to have Jobs re-created with their images)';
    // The Deployment behind a Rollout's workloadRef: the revisions are the Rollout's ReplicaSets.
    const rollout = states.find((r) => r.kind === 'Rollout' && r.templateFrom === s.name);
    const owner = rollout ? { kind: 'Rollout' as const, name: rollout.name } : { kind: s.kind, name: s.name };
    const revisions = await revisionsOf(this.api as KubeApiClient, owner);
    if (revisions.length < 2) return `no previous revision (${revisions.length} ReplicaSet revision(s) of ${owner.kind} ${owner.name}): images left as they are`;
    const previous = revisions[1];
    return {
      containers: previous.containers,
      source: `previous revision ${previous.revision} (ReplicaSet ${previous.replicaSet} of ${owner.kind} ${owner.name}, as ${owner.kind === 'Rollout' ? 'kubectl argo rollouts undo' : 'kubectl rollout undo'} would choose)`,
    };
  }

  async preflight(_request: RollbackRequest, plan: RollbackPlan): Promise<void> {
    const own = plan.actions.filter((a) => a.target === 'kubernetes') as KubernetesAction[];
    if (own.length === 0) return;
    if (this.api === null) {
      throw new DomainException(ErrorCode.PreconditionFailed, 'the recorded plan has Kubernetes actions but no cluster is configured now (in-cluster service account or KUBECONFIG)', { field: 'KUBECONFIG' });
    }
    // A Job the plan re-creates may be between its delete and its create (a run resumed after SIGKILL).
    const recreated = new Set(own.filter((a) => a.kind === 'kubernetes.recreate-job').map((a) => a.name));
    for (const action of own) {
      if (action.kind === 'kubernetes.recreate-job' || (action.kind === 'kubernetes.suspend-job' && recreated.has(action.name))) continue;
      const kind = action.kind === 'kubernetes.suspend-job' ? 'Job' : action.workloadKind;
      if ((await this.api.find(objectPath(kind, this.api.namespace, action.name))) === null) {
        throw new DomainException(ErrorCode.PreconditionFailed, `${kind} ${this.api.namespace}/${action.name} of the plan no longer exists`, { field: 'kubernetes', id: action.name });
      }
    }
  }

  async apply(raw: RollbackAction): Promise<void> {
    const api = this.api;
    if (api === null) throw new DomainException(ErrorCode.PreconditionFailed, `no cluster configured: cannot apply ${raw.kind}`, { field: 'KUBECONFIG' });
    const action = raw as KubernetesAction;
    const ns = api.namespace;
    switch (action.kind) {
      case 'kubernetes.scale':
        await api.patch(objectPath(action.workloadKind, ns, action.name), { spec: { replicas: action.replicas } });
        return;
      case 'kubernetes.suspend-job':
        await api.patch(objectPath('Job', ns, action.name), { spec: { suspend: action.suspend } });
        return;
      case 'kubernetes.pin-images':
        return this.pinImages(api, action);
      case 'kubernetes.recreate-job':
        return this.recreateJob(api, action);
      default:
        throw new Error(`kubernetes rollback cannot apply '${(action as RollbackAction).kind}'`);
    }
  }

  /** JSON patch by the containers' current positions, each guarded by a test of the container's name. */
  private async pinImages(api: KubeApiClient, action: KubernetesPinImagesAction): Promise<void> {
    const path = objectPath(action.workloadKind, api.namespace, action.name);
    const live = await api.get<K8sObjectLike>(path);
    const spec = (live.spec?.['template'] as { spec?: Record<string, { name: string }[] | undefined> } | undefined)?.spec ?? {};
    const ops: unknown[] = [];
    for (const change of action.images) {
      const index = (spec[change.list] ?? []).findIndex((c) => c.name === change.container);
      if (index < 0) throw new Error(`${action.workloadKind} ${api.namespace}/${action.name} has no ${change.list} entry '${change.container}'`);
      const at = `/spec/template/spec/${change.list}/${index}`;
      ops.push({ op: 'test', path: `${at}/name`, value: change.container }, { op: 'replace', path: `${at}/image`, value: change.after });
    }
    await api.patch(path, ops, 'json');
  }

  /** Idempotent in every state a SIGKILL can leave: old Job present, deleted, or the new one created. */
  private async recreateJob(api: KubeApiClient, action: KubernetesRecreateJobAction): Promise<void> {
    const path = objectPath('Job', api.namespace, action.name);
    const live = await api.find<K8sObjectLike>(path);
    if (live !== null) {
      const state = workloadStateOf({ ...live, kind: 'Job' });
      if (state && imageChanges(state.containers, wanted(action.images, state.containers)).length === 0) return; // already re-created
      // Background: the Job object goes at once and the garbage collector removes its pods.
      await api.delete(path, { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
      const deadline = Date.now() + (this.options.deleteWaitMs ?? 60_000);
      while ((await api.find(path)) !== null) {
        if (Date.now() > deadline) throw new Error(`Job ${api.namespace}/${action.name} still exists ${this.options.deleteWaitMs ?? 60_000} ms after its delete (finalizers?)`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    try {
      await api.create(collectionPath('Job', api.namespace), action.manifest);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      // Created meanwhile (a concurrent re-run): fine when it has the wanted images.
      const now = workloadStateOf({ ...((await api.get<K8sObjectLike>(path)) ?? {}), kind: 'Job' });
      if (!now || imageChanges(now.containers, wanted(action.images, now.containers)).length > 0) throw error;
    }
  }

  async mark(): Promise<KubernetesMark> {
    if (this.api === null) return { configured: false, workloads: [] };
    const { states } = await readWorkloads(this.api);
    return { configured: true, namespace: this.api.namespace, source: this.api.connection.source, workloads: sortWorkloads(states) };
  }
}

/** The containers whose image differs between now and the target (by list and name). */
export function imageChanges(now: ContainerImage[], target: ContainerImage[]): ImageChange[] {
  const changes: ImageChange[] = [];
  for (const c of now) {
    const t = target.find((x) => x.list === c.list && x.name === c.name);
    if (t && t.image !== c.image) changes.push({ list: c.list, container: c.name, before: c.image, after: t.image });
  }
  return changes;
}

function wanted(images: ImageChange[], now: ContainerImage[]): ContainerImage[] {
  return now.map((c) => ({ ...c, image: images.find((i) => i.list === c.list && i.container === c.name)?.after ?? c.image }));
}

/** The live Job as a new object: server-set fields and the controller's selector labels dropped, images replaced, suspended. */
export function recreatable(live: K8sObjectLike, images: ImageChange[]): K8sObjectLike {
  const job = structuredClone(live) as K8sObjectLike & { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  for (const key of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation', 'selfLink', 'deletionTimestamp']) delete job.metadata[key];
  delete (job as { status?: unknown }).status;
  const template = job.spec['template'] as { metadata?: { labels?: Record<string, string> }; spec: Record<string, { name: string; image?: string }[] | undefined> };
  if (job.spec['manualSelector'] !== true) {
    delete job.spec['selector'];
    for (const label of ['controller-uid', 'batch.kubernetes.io/controller-uid', 'job-name', 'batch.kubernetes.io/job-name']) delete template.metadata?.labels?.[label];
  }
  for (const change of images) {
    const container = (template.spec[change.list] ?? []).find((c) => c.name === change.container);
    if (container) container.image = change.after;
  }
  job.spec['suspend'] = true;
  return { apiVersion: 'batch/v1', ...job, kind: 'Job' };
}
