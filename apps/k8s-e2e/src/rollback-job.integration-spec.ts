// The rollback Jobs of k8s/base/rollback-job.yaml run the way their pods would (libs/testing/k8s-harness),
// against the local stack, after the runbook's schema-migrate Job (k8s/README.md "Rollback with the
// rollback Jobs"; ConfigMap mch-rollback set as the operator's `kubectl create configmap` sets it):
// steps 3-4 with an ISO time (rollback-plan), steps 1-4 with a restore point (rollback-mark, then
// rollback-plan --to it). There is no cluster here (no service-account token, no
// KUBERNETES_SERVICE_HOST), so each plan must say the Kubernetes side is not taken and still plan the
// stores. The apply Job with the ConfigMap as the overlay ships it (no point set) must refuse at
// once, without retries. Production's plan runs on the TLS instance of the stack, so it passing means
// the rollback Jobs got the store-tls component's CA and Kafka SASL settings.
import type { Admin } from 'kafkajs';
import { createTopicsAndWait } from '@mch/infra-kafka';
import { renderOverlay, runJob, type JobResult, type K8sObject, type RenderedOverlay } from '@mch/testing-k8s-harness';
import { createHarnessStores, isolateRun, WORKSPACE_ROOT, type HarnessStores } from './support/harness-stores';
import { acquireTlsStack, type TlsStackHandle } from './support/tls-stack';

const JOB_BOUND_SECONDS = 180;

const job = (overlay: RenderedOverlay, name: string): K8sObject => {
  const found = overlay.find('Job', name);
  if (!found) throw new Error(`${overlay.path} renders no Job ${name}`);
  return found;
};
/** What `kubectl create configmap mch-rollback --from-literal=... --dry-run=client -o yaml | kubectl apply -f -` leaves. */
const setRollbackConfig = (overlay: RenderedOverlay, values: Record<string, string>): void => {
  const configMap = overlay.find('ConfigMap', 'mch-rollback') as unknown as { data: Record<string, string> } | undefined;
  if (!configMap) throw new Error(`${overlay.path} renders no ConfigMap mch-rollback`);
  Object.assign(configMap.data, values);
};
const failed = (result: JobResult) => result.summary();

/** Production's rollback Jobs reach the stores over TLS (k8s/components/store-tls patches them as every Job). */
const OVERLAYS = [
  ['staging', 'plaintext'],
  ['production', 'tls'],
] as const;

describe.each(OVERLAYS)('k8s/overlays/%s rollback Jobs run by the pod harness (no cluster; %s store transport)', (env, transport) => {
  let overlay: RenderedOverlay;
  let stores: HarnessStores;
  let tls: TlsStackHandle | undefined;
  let admin: Admin;
  let topic: string;
  let groupId: string;
  const base = Date.now() - 10 * 60_000;
  const point = new Date(base + 5 * 60_000);
  const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map((p) => p.offset);

  beforeAll(async () => {
    overlay = renderOverlay(`k8s/overlays/${env}`, WORKSPACE_ROOT);
    isolateRun(overlay);
    if (transport === 'tls') tls = acquireTlsStack();
    stores = await createHarnessStores(`rollback_${env}`, 20, tls?.env);
    const migrated = await runJob(stores.context(overlay), job(overlay, 'schema-migrate'), { maxSeconds: JOB_BOUND_SECONDS });
    if (!migrated.succeeded) throw new Error(failed(migrated));
    // A consumer group that read a whole topic: 2 messages before the point, 1 after.
    topic = `${stores.topicPrefix}rollback-probe`;
    groupId = `${stores.topicPrefix}clickhouse-populator`;
    admin = stores.kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 1 }] });
    const producer = stores.kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [base, base + 1_000, point.getTime() + 1_000].map((t, n) => ({ partition: 0, value: `v${n}`, timestamp: String(t) })),
    });
    await producer.disconnect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] });
  }, 300_000);

  afterAll(async () => {
    await admin?.disconnect();
    await stores?.drop();
    tls?.release();
  }, 180_000);

  it('Job rollback-plan exits 0, prints the plan of the consumer group, says the Kubernetes side is not taken, and changes nothing', async () => {
    setRollbackConfig(overlay, { ROLLBACK_TO: point.toISOString(), ROLLBACK_GROUPS: groupId });
    const result = await runJob(stores.context(overlay), job(overlay, 'rollback-plan'), { maxSeconds: JOB_BOUND_SECONDS });
    if (!result.succeeded) throw new Error(failed(result));
    expect(result.pods).toHaveLength(1);
    const stdout = result.pods[0].stdout;
    expect(stdout.split('\n')[0]).toMatch(new RegExp(`^rollback to ${point.toISOString().replace(/\./g, '\\.')} \\(targets: `));
    expect(stdout).toMatch(new RegExp(`kafka\\.reset-group-offsets +group ${groupId} on ${topic}`));
    expect(stdout).toContain('partition 0: 3 -> 2');
    expect(stdout).toContain('kubernetes: no cluster configured: Kubernetes actions not taken, store side only');
    expect(stdout).toMatch(/kubectl argo rollouts -n "\$NS" undo event-store/);
    // Plan only: the group's offset is where it was.
    expect(await committed()).toEqual(['3']);
    // A clean run: no error or warning lines (kafkajs' retried coordinator answers aside, as in
    // pod-harness.integration-spec.ts: the TLS instance's broker may have just started).
    const benign = /coordinator|Response Metadata\(key: 3[^"]*".*This server does not host this topic-partition/i;
    expect(result.pods[0].output.split('\n').filter((l) => /"level":"(error|warn|fatal)"/.test(l) && !benign.test(l))).toEqual([]);
  }, 240_000);

  if (env === 'staging') it('runbook: Job rollback-mark records a restore point, then Job rollback-plan --to it plans the group back to the recorded offset', async () => {
    const marking = renderOverlay(`k8s/overlays/${env}`, WORKSPACE_ROOT);
    isolateRun(marking);
    // Weaviate left out: its mark backs up the index's collections, which only the indexer creates
    // (this fixture ran no indexer) and refuses naming them otherwise.
    setRollbackConfig(marking, { ROLLBACK_TO: 'k8s-harness-point', ROLLBACK_GROUPS: groupId, ROLLBACK_TARGETS: 'kubernetes,kafka,clickhouse,checkpoints' });
    const marked = await runJob(stores.context(marking), job(marking, 'rollback-mark'), { maxSeconds: JOB_BOUND_SECONDS });
    if (!marked.succeeded) throw new Error(failed(marked));
    // The group reads on past the point.
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
    const result = await runJob(stores.context(marking), job(marking, 'rollback-plan'), { maxSeconds: JOB_BOUND_SECONDS });
    if (!result.succeeded) throw new Error(failed(result));
    const stdout = result.pods[0].stdout;
    expect(stdout).toContain('partition 0: 1 -> 3');
    expect(stdout).toContain('kubernetes: no cluster configured: Kubernetes actions not taken, store side only');
    expect(await committed()).toEqual(['1']);
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] });
  }, 300_000);

  if (env === 'staging') it('Job rollback-apply with the ConfigMap as shipped (no point set) fails at once with exit 2 naming --to, no retry, nothing changed', async () => {
    const shipped = renderOverlay(`k8s/overlays/${env}`, WORKSPACE_ROOT);
    isolateRun(shipped);
    const result = await runJob(stores.context(shipped), job(shipped, 'rollback-apply'), { maxSeconds: JOB_BOUND_SECONDS });
    expect(result.succeeded).toBe(false);
    expect(result.reason).toBe('PodFailurePolicy');
    expect(result.pods.map((p) => p.code)).toEqual([2]);
    expect(result.pods[0].output).toContain('--to');
    expect(await committed()).toEqual(['3']);
  }, 240_000);
});
