// The pod harness as a guard: a manifest change that breaks a workload fails it (each case renders
// the staging overlay, breaks one workload in memory and runs it for real), and a long-running pod
// turns unready when a store it uses stops (a TCP proxy in front of PostgreSQL that the test cuts;
// the shared stack itself keeps running) and ready again when it is back.
import {
  overlayFromObjects,
  podTemplateOf,
  renderOverlay,
  runJob,
  startLongRunningPod,
  startTcpProxy,
  exitCodeOf,
  type Container,
  type K8sObject,
  type PodTemplate,
  type RenderedOverlay,
} from '@mch/testing-k8s-harness';
import { createHarnessStores, isolateRun, WORKSPACE_ROOT, type HarnessStores } from './support/harness-stores';

let rendered: RenderedOverlay;
let stores: HarnessStores;

beforeAll(async () => {
  rendered = renderOverlay('k8s/overlays/staging', WORKSPACE_ROOT);
  isolateRun(rendered);
  stores = await createHarnessStores('guards', 40);
  // The toolkit's migrations, as the schema-migrate Job leaves them (run through the harness too).
  const migrate = await runJob(stores.context(rendered), rendered.find('Job', 'schema-migrate') as K8sObject, { maxSeconds: 120 });
  if (!migrate.succeeded) throw new Error(migrate.summary());
}, 180_000);

afterAll(async () => {
  await stores?.drop();
}, 120_000);

/** The overlay with one workload's container changed (a deep copy: the rendering stays intact). */
function mutated(kind: string, name: string, change: (container: Container, template: PodTemplate, workload: K8sObject) => void): { overlay: RenderedOverlay; workload: K8sObject } {
  const objects = structuredClone(rendered.objects);
  const overlay = overlayFromObjects(`${rendered.path} (mutated)`, objects);
  const workload = overlay.find(kind, name);
  if (!workload) throw new Error(`no ${kind} ${name}`);
  const template = podTemplateOf(overlay, workload);
  change(template.spec.containers[0], template, workload);
  return { overlay, workload };
}

describe('a manifest change that breaks a workload fails the harness', () => {
  it('the backfill Job without MIGRATION_RUN: every shard stops at config validation, the Job fails', async () => {
    const { overlay, workload } = mutated('Job', 'kafka-migrator-backfill', (c) => {
      c.env = (c.env ?? []).filter((e) => e.name !== 'MIGRATION_RUN');
    });
    const result = await runJob(stores.context(overlay), workload, { maxSeconds: 120 });
    expect(result.succeeded).toBe(false);
    expect(result.reason).toBe('FailedIndexes');
    expect(result.pods.every((p) => p.code !== 0 && p.output.includes('MIGRATION_RUN'))).toBe(true);
    // backoffLimitPerIndex 3: each index ran 4 times.
    expect(result.pods.filter((p) => p.index === 0)).toHaveLength(4);
  }, 180_000);

  it('the checker Job with a mistyped mode in args: exit 2, FailJob at once (no retry)', async () => {
    const { overlay, workload } = mutated('Job', 'consistency-checker', (c) => {
      c.args = ['chek'];
    });
    const result = await runJob(stores.context(overlay), workload, { maxSeconds: 60 });
    expect(result.reason).toBe('PodFailurePolicy');
    expect(result.pods.map((p) => p.code)).toEqual([2]);
  }, 120_000);

  it('a secretKeyRef to a key the Secret lacks: CreateContainerConfigError, nothing runs', async () => {
    const { overlay, workload } = mutated('Job', 'schema-migrate', (c) => {
      const pg = c.env?.find((e) => e.name === 'PGPASSWORD');
      if (pg?.valueFrom?.secretKeyRef) pg.valueFrom.secretKeyRef.key = 'PG_PASSWORD';
    });
    const result = await runJob(stores.context(overlay), workload, { maxSeconds: 60 });
    expect(result.succeeded).toBe(false);
    expect(result.pods[0].startError).toMatch(/^CreateContainerConfigError: .*couldn't find key PG_PASSWORD in secret .*mch-store-credentials/);
  }, 60_000);

  it('command set on the container: it replaces the image ENTRYPOINT, so `check` is run as an executable and fails', async () => {
    const { overlay, workload } = mutated('Job', 'consistency-checker', (c) => {
      c.command = c.args;
      delete c.args;
    });
    const result = await runJob(stores.context(overlay), workload, { maxSeconds: 60 });
    expect(result.succeeded).toBe(false);
    expect(result.pods[0].startError).toMatch(/executable 'check'/);
  }, 60_000);

  it('a readiness probe on a path the service does not serve: the pod never turns ready', async () => {
    const { overlay, workload } = mutated('Rollout', 'event-store', (c) => {
      if (c.readinessProbe?.httpGet) c.readinessProbe.httpGet.path = '/healthz';
    });
    const pod = await startLongRunningPod(stores.context(overlay), workload, podTemplateOf(overlay, workload));
    try {
      await expect(pod.waitUntil('ready', 35_000)).rejects.toThrow(/not ready .*readiness FAIL GET \/healthz -> 404/s);
      expect(pod.started()).toBe(true);
    } finally {
      await pod.stop();
    }
  }, 90_000);
});

describe('a long-running pod and a store that stops', () => {
  it('event-store turns unready when its PostgreSQL stops answering, ready again when it is back, and stops cleanly', async () => {
    const proxy = await startTcpProxy(stores.stack.endpoints.PGHOST, Number(stores.stack.endpoints.PGPORT));
    const rollout = rendered.find('Rollout', 'event-store') as K8sObject;
    const pod = await startLongRunningPod(stores.context(rendered), rollout, podTemplateOf(rendered, rollout), {
      endpoints: { PGHOST: '127.0.0.1', PGPORT: String(proxy.port) },
    });
    try {
      await pod.waitUntil('ready', 90_000);
      proxy.cut();
      // readinessProbe: periodSeconds 10, timeoutSeconds 5, failureThreshold 3, as declared.
      await pod.waitUntil('unready', 60_000);
      expect(pod.events.filter((e) => e.kind === 'readiness').slice(-3).every((e) => !e.ok)).toBe(true);
      // Liveness does not depend on the stores: the kubelet must not restart the pod for it.
      expect(pod.killedBy()).toBeUndefined();
      expect(pod.process.running()).toBe(true);
      proxy.restore();
      await pod.waitUntil('ready', 60_000);
    } catch (error) {
      await pod.stop();
      await proxy.close();
      throw new Error(`${(error as Error).message}\n--- pod output ---\n${pod.process.output().split('\n').slice(-30).join('\n')}`);
    }
    const stopped = await pod.stop();
    await proxy.close();
    expect(stopped.withinGrace).toBe(true);
    expect([0, 143]).toContain(exitCodeOf(stopped));
  }, 240_000);
});
