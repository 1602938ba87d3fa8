import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { RollbackRequest } from '../rollback.types';
import { imageChanges, KubernetesRollback, recreatable } from './kubernetes.participant';
import { NO_CLUSTER } from './operator-commands';
import { TOOLKIT_WORKLOADS } from './toolkit-workloads';
import { CONSUMER_APPS, sortWorkloads, workloadKey, workloadStateOf, type K8sObjectLike, type KubernetesMark, type WorkloadState } from './workload-state';

const ROOT = resolve(__dirname, '../../../../..');

function rendered(overlay: string): K8sObjectLike[] {
  const yaml = execFileSync('kubectl', ['kustomize', `k8s/overlays/${overlay}`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseAllDocuments(yaml).map((d) => d.toJSON() as K8sObjectLike);
}

const request = (extra: Partial<RollbackRequest> = {}): RollbackRequest => ({ to: new Date('2026-12-01T00:00:00Z'), groups: ['g'], targets: ['kubernetes'], ...extra });

describe.each(['staging', 'production'])('k8s/overlays/%s rendered', (overlay) => {
  let states: WorkloadState[];
  beforeAll(() => {
    states = rendered(overlay)
      .map(workloadStateOf)
      .filter((s): s is WorkloadState => s !== null);
  });

  it('renders exactly the workloads the by-hand commands name (TOOLKIT_WORKLOADS), the rollback Job aside', () => {
    expect(states.map(workloadKey).sort()).toEqual(TOOLKIT_WORKLOADS.map(workloadKey).sort());
  });

  it('has every consumer as a Deployment with replicas > 0, and the Rollout runs the Deployment event-store', () => {
    for (const app of CONSUMER_APPS) expect(states.find((s) => s.kind === 'Deployment' && s.app === app)?.replicas).toBeGreaterThan(0);
    expect(states.find((s) => s.kind === 'Rollout')?.templateFrom).toBe('event-store');
    // The plan order: consumers first, Jobs last.
    expect(sortWorkloads(states).slice(0, CONSUMER_APPS.length).map((s) => s.app).sort()).toEqual([...CONSUMER_APPS].sort());
  });

  it("grants the rollback Jobs' Role delete on exactly the migration Jobs (never its own Jobs), and no verb on pods or secrets", () => {
    const role = rendered(overlay).find((o) => o.kind === 'Role' && o.metadata?.name === 'medcontracthub-rollback') as unknown as {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    };
    const deletable = role.rules.filter((r) => r.verbs.includes('delete'));
    expect(deletable.every((r) => r.resources.join() === 'jobs' && r.resourceNames !== undefined)).toBe(true);
    expect(deletable.flatMap((r) => r.resourceNames ?? []).sort()).toEqual(TOOLKIT_WORKLOADS.filter((w) => w.kind === 'Job').map((w) => w.name).sort());
    expect(role.rules.flatMap((r) => r.resources).filter((r) => ['pods', 'secrets', 'pods/exec', '*'].includes(r))).toEqual([]);
    expect(role.rules.flatMap((r) => r.verbs).filter((v) => v === '*' || v === 'deletecollection')).toEqual([]);
  });

  it('without a cluster plans no action and names every rendered workload in the by-hand commands', async () => {
    const plan = await new KubernetesRollback(null, { namespaceHint: 'mch-ns' }).plan(request());
    expect(plan.actions).toEqual([]);
    expect(plan.untouched[0]).toBe(NO_CLUSTER);
    const text = plan.untouched.join('\n');
    expect(text).toContain('kubectl -n mch-ns scale deploy/clickhouse-populator deploy/weaviate-indexer --replicas=0');
    expect(text).toContain('kubectl argo rollouts -n mch-ns undo event-store');
    for (const s of states) {
      if (s.kind === 'Job') expect(text).toMatch(new RegExp(`delete job .*\\b${s.name}\\b`));
      else if (s.kind === 'Deployment' && !states.some((r) => r.templateFrom === s.name)) expect(text).toContain(`rollout undo deploy/${s.name}`);
    }
    // Phases in the rollback-all order: suspend, images, resume.
    const phase = (n: number) => plan.untouched.findIndex((l) => l.includes(`(phase ${n})`));
    expect(phase(10)).toBeGreaterThan(0);
    expect(phase(60)).toBeGreaterThan(phase(10));
    expect(phase(70)).toBeGreaterThan(phase(60));
  });

  it('without a cluster, a restore point marked on a cluster turns the undo commands into pins of its recorded images', async () => {
    const mark: KubernetesMark = { configured: true, namespace: 'mch-ns', workloads: sortWorkloads(states) };
    const restorePoint = { name: 'before-bad-deploy', takenAt: '2026-12-01T00:00:00.000Z', state: { kubernetes: mark } };
    const text = (await new KubernetesRollback(null, { namespaceHint: 'mch-ns' }).plan(request({ restorePoint }))).untouched.join('\n');
    expect(text).not.toContain('rollout undo');
    const image = states.find((s) => s.name === 'kafka-migrator-cdc')?.containers[0];
    expect(text).toContain(`kubectl -n mch-ns set image deploy/kafka-migrator-cdc ${image?.name}=${image?.image}`);
    expect(text).toMatch(/kubectl argo rollouts -n mch-ns set image event-store event-store=medcontracthub\/event-store:\S+ +# restore point before-bad-deploy/);
  });

  it('a Job re-created from its rendered manifest keeps its spec, gets the old image and is created suspended', () => {
    const live = rendered(overlay).find((o) => o.kind === 'Job' && o.metadata?.name === 'kafka-migrator-backfill') as K8sObjectLike;
    // What the API adds to a created Job: server fields, the controller's selector and labels, status.
    const fromApi = structuredClone(live) as K8sObjectLike & { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    Object.assign(fromApi.metadata, { uid: 'u-1', resourceVersion: '7', creationTimestamp: '2026-12-01T00:00:00Z', managedFields: [{}] });
    fromApi.spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } };
    const template = fromApi.spec['template'] as { metadata: { labels: Record<string, string> } };
    Object.assign(template.metadata.labels, { 'controller-uid': 'u-1', 'batch.kubernetes.io/controller-uid': 'u-1', 'job-name': 'x', 'batch.kubernetes.io/job-name': 'x' });
    (fromApi as { status?: unknown }).status = { succeeded: 1 };
    const state = workloadStateOf(fromApi) as WorkloadState;
    const images = imageChanges(state.containers, state.containers.map((c) => ({ ...c, image: 'medcontracthub/kafka-migrator:0.0.9' })));
    const job = recreatable(fromApi, images) as K8sObjectLike & { spec: Record<string, unknown> };

    const expected = structuredClone(live) as K8sObjectLike & { spec: Record<string, unknown> };
    for (const c of (expected.spec['template'] as { spec: { containers: { image: string }[] } }).spec.containers) c.image = 'medcontracthub/kafka-migrator:0.0.9';
    expected.spec['suspend'] = true;
    expect(job).toEqual(expected);
  });
});

describe('imageChanges', () => {
  it('lists only the containers whose image differs, by list and name, and ignores containers the target lacks', () => {
    const now = [
      { list: 'initContainers' as const, name: 'wait', image: 'busybox:1' },
      { list: 'containers' as const, name: 'app', image: 'app:2' },
      { list: 'containers' as const, name: 'sidecar', image: 'side:1' },
    ];
    const target = [
      { list: 'containers' as const, name: 'wait', image: 'busybox:0' },
      { list: 'containers' as const, name: 'app', image: 'app:1' },
      { list: 'containers' as const, name: 'sidecar', image: 'side:1' },
    ];
    expect(imageChanges(now, target)).toEqual([{ list: 'containers', container: 'app', before: 'app:2', after: 'app:1' }]);
  });
});
