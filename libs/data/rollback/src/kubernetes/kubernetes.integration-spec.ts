// The kubernetes participant against a real API server: kube-apiserver v1.34.2 + etcd built from the
// Go module proxy (tools/k8s/kube-apiserver.sh; no controller-manager: scale, suspend and image pins
// are spec patches the API server validates and stores), the Argo Rollouts v1.8.3 CRDs, and the
// staging overlay applied with kubectl. The participant runs as the rollback Jobs would: with a
// token of their ServiceAccount (so the Role of k8s/base/rollback-job.yaml is what it may do), read
// from files laid out like the in-cluster service-account mount.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { RollbackPlanner } from '../rollback-planner';
import { ROLLBACK_PHASES, type RollbackRequest } from '../rollback.types';
import { KubeApiClient, KubeApiError, kubeConnectionFromEnv } from './kube-api.client';
import { collectionPath, objectPath } from './kube-workloads';
import type { KubernetesAction } from './kubernetes-actions';
import { KubernetesRollback } from './kubernetes.participant';
import { TOOLKIT_WORKLOADS } from './toolkit-workloads';
import { workloadKey, type K8sObjectLike, type KubernetesMark } from './workload-state';

const ROOT = resolve(__dirname, '../../../../..');
const SCRIPT = join(ROOT, 'tools/k8s/kube-apiserver.sh');
const NS = 'medcontracthub-migration-staging';
const BAD = '0.2.0-bad';

let dir: string;
let kubeconfig: string;
let rendered: K8sObjectLike[];
let sa: KubeApiClient;

function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, input, encoding: 'utf8', maxBuffer: 64 << 20 });
}
const getObject = (kind: string, name: string): K8sObjectLike => JSON.parse(kubectl(['-n', NS, 'get', kind, name, '-o', 'json'])) as K8sObjectLike;
const imagesOf = (o: K8sObjectLike): string[] => ((o.spec?.['template'] as { spec: { containers: { image: string }[] } }).spec.containers ?? []).map((c) => c.image);
const replicasOf = (kind: string, name: string): number => getObject(kind, name).spec?.['replicas'] as number;
const suspendOf = (name: string): boolean => getObject('job', name).spec?.['suspend'] === true;
const renderedObject = (kind: string, name: string): K8sObjectLike => {
  const found = rendered.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`the staging overlay renders no ${kind} ${name}`);
  return structuredClone(found);
};

/** A Job replaced by one with another image, as a deploy of a new release does (delete, create). */
function redeployJob(name: string, image: string): void {
  const job = renderedObject('Job', name);
  (job.spec?.['template'] as { spec: { containers: { image: string }[] } }).spec.containers[0].image = image;
  kubectl(['-n', NS, 'delete', 'job', name, '--wait=true']);
  kubectl(['create', '-f', '-'], JSON.stringify(job));
}

beforeAll(() => {
  // Builds the binaries on the first run on a machine (~4 min cold on 2 cores), then cached.
  execFileSync('bash', [SCRIPT, 'install'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 20 * 60_000 });
  dir = mkdtempSync(join(tmpdir(), 'mch-kube-apiserver-'));
  const envFile = execFileSync('bash', [SCRIPT, 'start', dir], { encoding: 'utf8', timeout: 180_000 }).trim();
  kubeconfig = /^KUBECONFIG=(.*)$/m.exec(readFileSync(envFile, 'utf8'))?.[1] ?? '';
  // The pinned CRDs, fetched here if no other spec has (a cold machine runs this spec first).
  const argoCrds = execFileSync('bash', [join(ROOT, 'tools/k8s/k8s-tools.sh'), 'argo-crds'], { encoding: 'utf8', timeout: 300_000 }).trim();
  kubectl(['apply', '-f', join(argoCrds, 'rollout-crd.yaml'), '-f', join(argoCrds, 'analysis-template-crd.yaml')]);
  kubectl(['wait', '--for=condition=Established', 'crd/rollouts.argoproj.io', 'crd/analysistemplates.argoproj.io', '--timeout=60s']);
  const yaml = execFileSync('kubectl', ['kustomize', 'k8s/overlays/staging'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  rendered = parseAllDocuments(yaml).map((d) => d.toJSON() as K8sObjectLike);
  kubectl(['apply', '-f', '-'], yaml);

  // The rollback Jobs' identity, laid out as the kubelet mounts it in their pods.
  const saDir = join(dir, 'serviceaccount');
  mkdirSync(saDir);
  writeFileSync(join(saDir, 'token'), kubectl(['-n', NS, 'create', 'token', 'medcontracthub-rollback']).trim());
  writeFileSync(join(saDir, 'ca.crt'), readFileSync(join(dir, 'certs', 'apiserver.crt')));
  writeFileSync(join(saDir, 'namespace'), NS);
  const port = new URL(/server: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))?.[1] ?? '').port;
  const connection = kubeConnectionFromEnv({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, saDir);
  if (!connection) throw new Error('no in-cluster connection from the service-account files');
  expect(connection.source).toBe('in-cluster service account');
  sa = new KubeApiClient(connection);
}, 25 * 60_000);

afterAll(() => {
  if (dir) {
    execFileSync('bash', [SCRIPT, 'stop', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describe('kubernetes rollback participant on kube-apiserver v1.34.2 (staging overlay applied)', () => {
  let mark: KubernetesMark;
  const request = (extra: Partial<RollbackRequest> = {}): RollbackRequest => ({ to: new Date(), groups: [], targets: ['kubernetes'], ...extra });

  it('mark records every workload of the overlay (not the rollback Jobs) with its images and replicas; the admin KUBECONFIG reads the same', async () => {
    mark = await new KubernetesRollback(sa).mark();
    expect(mark).toMatchObject({ configured: true, namespace: NS, source: 'in-cluster service account' });
    expect(mark.workloads.map(workloadKey).sort()).toEqual(TOOLKIT_WORKLOADS.map(workloadKey).sort());
    expect(mark.workloads.find((w) => w.kind === 'Deployment' && w.name === 'clickhouse-populator')).toMatchObject({
      replicas: 1,
      containers: [{ list: 'containers', name: 'clickhouse-populator', image: 'medcontracthub/clickhouse-populator:0.1.0' }],
    });
    expect(mark.workloads.find((w) => w.kind === 'Rollout')).toMatchObject({ name: 'event-store', templateFrom: 'event-store', replicas: 1, containers: [] });
    const admin = kubeConnectionFromEnv({ KUBECONFIG: kubeconfig, MCH_K8S_NAMESPACE: NS });
    if (!admin) throw new Error('KUBECONFIG not read');
    expect((await new KubernetesRollback(new KubeApiClient(admin)).mark()).workloads).toEqual(mark.workloads);
  }, 60_000);

  it('restore point: plan suspends consumers and running Jobs, pins the images marked, re-creates the changed Job, resumes; apply leaves exactly the marked specs, and again changes nothing', async () => {
    // A bad release: new images on two Deployments, on the Rollout's template and on a Job; the backfill running.
    kubectl(['-n', NS, 'set', 'image', 'deploy/clickhouse-populator', `clickhouse-populator=medcontracthub/clickhouse-populator:${BAD}`]);
    kubectl(['-n', NS, 'set', 'image', 'deploy/kafka-migrator-cdc', `kafka-migrator=medcontracthub/kafka-migrator:${BAD}`]);
    kubectl(['-n', NS, 'set', 'image', 'deploy/event-store', `event-store=medcontracthub/event-store:${BAD}`]);
    redeployJob('weaviate-indexer', `medcontracthub/weaviate-indexer:${BAD}`);
    kubectl(['-n', NS, 'patch', 'job', 'kafka-migrator-backfill', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    kubectl(['-n', NS, 'scale', 'deploy/weaviate-indexer', '--replicas=2']);

    const participant = new KubernetesRollback(sa);
    const restorePoint = { name: 'before-bad-deploy', takenAt: new Date().toISOString(), state: { kubernetes: mark } };
    const plan = await new RollbackPlanner([participant]).plan(request({ restorePoint }));
    const actions = plan.actions as KubernetesAction[];
    const brief = actions.map((a) => {
      switch (a.kind) {
        case 'kubernetes.scale':
          return `${a.phase} scale ${a.workloadKind}/${a.name} ${a.replicas}`;
        case 'kubernetes.suspend-job':
          return `${a.phase} suspend Job/${a.name} ${a.suspend}`;
        case 'kubernetes.pin-images':
          return `${a.phase} pin ${a.workloadKind}/${a.name} ${a.images.map((i) => `${i.before} -> ${i.after}`).join()}`;
        case 'kubernetes.recreate-job':
          return `${a.phase} recreate Job/${a.name} ${a.images.map((i) => `${i.before} -> ${i.after}`).join()}`;
      }
    });
    expect(brief).toEqual([
      '10 scale Deployment/clickhouse-populator 0',
      '10 scale Deployment/weaviate-indexer 0',
      // schema-migrate was created unsuspended and, with no Job controller here, never finished.
      '10 suspend Job/kafka-migrator-backfill true',
      '10 suspend Job/schema-migrate true',
      `60 pin Deployment/clickhouse-populator medcontracthub/clickhouse-populator:${BAD} -> medcontracthub/clickhouse-populator:0.1.0`,
      `60 pin Deployment/event-store medcontracthub/event-store:${BAD} -> medcontracthub/event-store:0.1.0`,
      `60 pin Deployment/kafka-migrator-cdc medcontracthub/kafka-migrator:${BAD} -> medcontracthub/kafka-migrator:0.1.0`,
      `60 recreate Job/weaviate-indexer medcontracthub/weaviate-indexer:${BAD} -> medcontracthub/weaviate-indexer:0.1.0`,
      '70 scale Deployment/clickhouse-populator 1',
      '70 scale Deployment/weaviate-indexer 2',
      '70 suspend Job/kafka-migrator-backfill false',
      '70 suspend Job/schema-migrate false',
    ]);
    expect(plan.untouched).toContain('kubernetes Job/consistency-checker: images already as at restore point before-bad-deploy');
    await participant.preflight(request({ restorePoint }), plan);

    for (const action of actions) {
      if (action.phase === ROLLBACK_PHASES.images && actions[0].phase === ROLLBACK_PHASES.suspendConsumers) {
        // Between the phases: consumers at 0 and the running Jobs suspended before any image changes.
        expect([replicasOf('deploy', 'clickhouse-populator'), replicasOf('deploy', 'weaviate-indexer')]).toEqual([0, 0]);
        expect([suspendOf('kafka-migrator-backfill'), suspendOf('schema-migrate')]).toEqual([true, true]);
      }
      await participant.apply(action);
    }
    const endState = () => ({
      images: Object.fromEntries(
        TOOLKIT_WORKLOADS.filter((w) => w.kind === 'Deployment').map((w) => [w.name, imagesOf(getObject('deploy', w.name))]),
      ),
      replicas: [replicasOf('deploy', 'clickhouse-populator'), replicasOf('deploy', 'weaviate-indexer'), replicasOf('rollout', 'event-store')],
      jobs: Object.fromEntries(TOOLKIT_WORKLOADS.filter((w) => w.kind === 'Job').map((w) => [w.name, { images: imagesOf(getObject('job', w.name)), suspend: suspendOf(w.name) }])),
    });
    const end = endState();
    for (const w of mark.workloads.filter((m) => m.kind !== 'Rollout')) {
      expect({ w: workloadKey(w), images: w.kind === 'Job' ? end.jobs[w.name].images : end.images[w.name] }).toEqual({ w: workloadKey(w), images: w.containers.map((c) => c.image) });
    }
    expect(end.replicas).toEqual([1, 2, 1]);
    // Resumed as they were; the re-created Job comes back suspended, as the overlay creates it.
    expect(Object.fromEntries(Object.entries(end.jobs).map(([n, j]) => [n, j.suspend]))).toEqual({
      'schema-migrate': false,
      'kafka-migrator-backfill': false,
      'clickhouse-populator': true,
      'weaviate-indexer': true,
      'consistency-checker': true,
    });

    // Re-running every step (what a resumed run after SIGKILL does) leaves the same state.
    for (const action of actions) await participant.apply(action);
    expect(endState()).toEqual(end);
    // And a new plan finds nothing to pin.
    const again = await new RollbackPlanner([participant]).plan(request({ restorePoint }));
    expect(again.actions.filter((a) => a.phase === ROLLBACK_PHASES.images)).toEqual([]);
  }, 120_000);

  it('a run resumed between a Job\'s delete and its re-create (the state a SIGKILL there leaves) passes preflight and completes', async () => {
    redeployJob('clickhouse-populator', `medcontracthub/clickhouse-populator:${BAD}`);
    kubectl(['-n', NS, 'patch', 'job', 'clickhouse-populator', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    const participant = new KubernetesRollback(sa);
    const req = request({ restorePoint: { name: 'before-bad-deploy', takenAt: new Date().toISOString(), state: { kubernetes: mark } } });
    const plan = await new RollbackPlanner([participant]).plan(req);
    const jobActions = (plan.actions as KubernetesAction[]).filter((a) => a.name === 'clickhouse-populator' && a.kind !== 'kubernetes.scale');
    expect(jobActions.map((a) => `${a.phase} ${a.kind}`)).toEqual(['10 kubernetes.suspend-job', '60 kubernetes.recreate-job', '70 kubernetes.suspend-job']);
    for (const action of plan.actions.filter((a) => a.phase === ROLLBACK_PHASES.suspendConsumers)) await participant.apply(action);
    kubectl(['-n', NS, 'delete', 'job', 'clickhouse-populator', '--wait=true']);

    await participant.preflight(req, plan);
    for (const action of plan.actions.filter((a) => a.phase > ROLLBACK_PHASES.suspendConsumers)) await participant.apply(action);
    expect(imagesOf(getObject('job', 'clickhouse-populator'))).toEqual(['medcontracthub/clickhouse-populator:0.1.0']);
    // It was running before the rollback: re-created suspended, then resumed by phase 70.
    expect(suspendOf('clickhouse-populator')).toBe(false);
    kubectl(['-n', NS, 'patch', 'job', 'clickhouse-populator', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
  }, 60_000);

  it('a timestamp: pins to the previous revision of the ReplicaSets the controller keeps (what kubectl rollout undo picks), and keeps Jobs', async () => {
    const deployment = getObject('deploy', 'kafka-migrator-cdc');
    const uid = (deployment.metadata as { uid: string }).uid;
    // The two ReplicaSets the Deployment controller would have made for revisions 1 (0.0.9) and 2 (0.1.0).
    for (const [revision, tag] of [
      [1, '0.0.9'],
      [2, '0.1.0'],
    ] as const) {
      const template = structuredClone(deployment.spec?.['template']) as { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } };
      template.spec.containers[0].image = `medcontracthub/kafka-migrator:${tag}`;
      template.metadata.labels['pod-template-hash'] = `rev${revision}`;
      const selector = { matchLabels: { ...(deployment.spec?.['selector'] as { matchLabels: Record<string, string> }).matchLabels, 'pod-template-hash': `rev${revision}` } };
      await new KubeApiClient(kubeConnectionFromEnv({ KUBECONFIG: kubeconfig, MCH_K8S_NAMESPACE: NS })!).create(collectionPath('ReplicaSet', NS), {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `kafka-migrator-cdc-rev${revision}`,
          annotations: { 'deployment.kubernetes.io/revision': String(revision) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'kafka-migrator-cdc', uid, controller: true }],
        },
        spec: { replicas: 0, selector, template },
      });
    }
    const participant = new KubernetesRollback(sa);
    const plan = await new RollbackPlanner([participant]).plan(request({ to: new Date(Date.now() - 60_000) }));
    const pins = plan.actions.filter((a) => a.phase === ROLLBACK_PHASES.images) as KubernetesAction[];
    expect(pins).toHaveLength(1);
    expect(pins[0]).toMatchObject({
      kind: 'kubernetes.pin-images',
      name: 'kafka-migrator-cdc',
      images: [{ container: 'kafka-migrator', before: 'medcontracthub/kafka-migrator:0.1.0', after: 'medcontracthub/kafka-migrator:0.0.9' }],
    });
    expect((pins[0] as { source: string }).source).toMatch(/^previous revision 1 \(ReplicaSet kafka-migrator-cdc-rev1 of Deployment kafka-migrator-cdc, as kubectl rollout undo would choose\)$/);
    expect(plan.untouched).toContain('kubernetes Deployment/clickhouse-populator: no previous revision (0 ReplicaSet revision(s) of Deployment clickhouse-populator): images left as they are');
    expect(plan.untouched.filter((u) => u.startsWith('kubernetes Job/') && u.includes('a Job has no revisions'))).toHaveLength(5);
    await participant.apply(pins[0]);
    expect(imagesOf(getObject('deploy', 'kafka-migrator-cdc'))).toEqual(['medcontracthub/kafka-migrator:0.0.9']);
  }, 60_000);

  it("the Role of the rollback Jobs allows no more: deleting a Deployment or the rollback's own Job, and reading pods or secrets, are forbidden", async () => {
    const forbidden = async (call: Promise<unknown>) => {
      const error = await call.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect((error as KubeApiError).status).toBe(403);
    };
    await forbidden(sa.delete(objectPath('Deployment', NS, 'clickhouse-populator')));
    await forbidden(sa.delete(objectPath('Job', NS, 'rollback-apply')));
    await forbidden(sa.get(`/api/v1/namespaces/${NS}/pods`));
    await forbidden(sa.get(`/api/v1/namespaces/${NS}/secrets`));
    await forbidden(sa.get(collectionPath('Deployment', 'default')));
    // And it may do what the participant needs (the tests above used exactly this client).
    expect((await sa.get<{ items: unknown[] }>(collectionPath('ReplicaSet', NS))).items.length).toBeGreaterThan(0);
  }, 60_000);
});

// The same through the consistency-checker's command line (what the rollback Jobs run), with
// KUBECONFIG naming this API server and the run tables in a migrated database of the local stack.
describe('rollback mark/plan/apply --targets kubernetes through the command line', () => {
  let db: MigratedDatabase;
  const cli = (args: string[], extraEnv: Record<string, string | undefined>) => {
    const env: Record<string, string | undefined> = { ...process.env, PGDATABASE: db.name, MCH_OPERATOR: 'rollback-k8s-it', LOG_LEVEL: 'warn', ...extraEnv };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const run = spawnSync(process.execPath, ['-r', './tools/scripts/register.js', 'apps/consistency-checker/src/main.ts', 'rollback', ...args], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const withCluster = () => ({ KUBECONFIG: kubeconfig, MCH_K8S_NAMESPACE: NS, KUBERNETES_SERVICE_HOST: undefined });

  beforeAll(async () => {
    db = await createMigratedDatabase('rollback_k8s');
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('marks the workloads, plans and applies the pin back to the point, and without a cluster plans the store side only', async () => {
    const marked = cli(['mark', 'cli-point', '--targets', 'kubernetes', '--format', 'json'], withCluster());
    expect({ code: marked.code, stderr: marked.stderr }).toEqual({ code: 0, stderr: '' });
    const point = JSON.parse(marked.stdout) as { state: { kubernetes: KubernetesMark } };
    const indexer = point.state.kubernetes.workloads.find((w) => w.kind === 'Deployment' && w.name === 'weaviate-indexer');
    expect(indexer?.containers.map((c) => c.image)).toEqual(['medcontracthub/weaviate-indexer:0.1.0']);

    kubectl(['-n', NS, 'set', 'image', 'deploy/weaviate-indexer', `weaviate-indexer=medcontracthub/weaviate-indexer:${BAD}`]);
    const planned = cli(['plan', '--to', 'cli-point', '--targets', 'kubernetes', '--format', 'json'], withCluster());
    expect({ code: planned.code, stderr: planned.stderr }).toEqual({ code: 0, stderr: '' });
    const plan = JSON.parse(planned.stdout) as { actions: KubernetesAction[] };
    expect(plan.actions.filter((a) => a.phase === ROLLBACK_PHASES.images).map((a) => `${a.kind} ${a.name}`)).toEqual(['kubernetes.pin-images weaviate-indexer']);

    const applied = cli(['apply', '--to', 'cli-point', '--targets', 'kubernetes', '--format', 'json'], withCluster());
    expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(applied.stdout) as { plan: { actions: unknown[] } }).plan.actions).toEqual(plan.actions);
    expect(imagesOf(getObject('deploy', 'weaviate-indexer'))).toEqual(['medcontracthub/weaviate-indexer:0.1.0']);
    expect(replicasOf('deploy', 'weaviate-indexer')).toBe(indexer?.replicas);

    const noCluster = cli(['plan', '--to', new Date(Date.now() - 60_000).toISOString(), '--targets', 'kubernetes', '--format', 'json'], {
      KUBECONFIG: undefined,
      KUBERNETES_SERVICE_HOST: undefined,
      MCH_K8S_NAMESPACE: undefined,
    });
    expect({ code: noCluster.code, stderr: noCluster.stderr }).toEqual({ code: 0, stderr: '' });
    const storeOnly = JSON.parse(noCluster.stdout) as { actions: unknown[]; untouched: string[] };
    expect(storeOnly.actions).toEqual([]);
    expect(storeOnly.untouched).toContain('kubernetes: no cluster configured: Kubernetes actions not taken, store side only');
  }, 240_000);
});
