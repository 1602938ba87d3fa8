// The NetworkPolicies of k8s/components/network-policies, as each overlay renders them, evaluated
// with the Kubernetes semantics (network-policy.evaluator.ts) against the pods the same overlay
// makes: each workload may reach exactly the stores it uses and DNS, and only Prometheus, the Argo
// Rollouts controller and labelled client namespaces may reach it. No cluster or CNI is involved:
// this proves what the policies say, not that a CNI enforces them (docs/security.md).
import { findKustomizations, renderKustomization, type ManifestObject } from './manifest-schemas.validator';
import {
  allows,
  isolated,
  namespaceLabels,
  networkPolicies,
  workloadPods,
  type Endpoint,
  type NetworkPolicy,
  type PodEndpoint,
  type WorkloadPod,
} from './network-policy.evaluator';

type Store = 'postgres' | 'kafka' | 'clickhouse' | 'weaviate';

/** Where each store is in the component's placeholders: an in-cluster namespace, an external address. */
const STORES: Record<Store, { namespace: string; address: string; ports: number[] }> = {
  postgres: { namespace: 'postgres', address: '192.0.2.10', ports: [5432] },
  kafka: { namespace: 'kafka', address: '198.51.100.7', ports: [9092, 9093] },
  clickhouse: { namespace: 'clickhouse', address: '203.0.113.10', ports: [8123, 8443] },
  weaviate: { namespace: 'weaviate', address: '203.0.113.20', ports: [8080, 443, 50051] },
};

/**
 * The stores each app uses, as its ServiceDefinition declares them (`stores:` in apps/<app>/src/main.ts,
 * the readiness e2e checks the same list). A workload of another name, such as the schema-migration
 * Job, uses PostgreSQL only.
 */
const USES: Record<string, Store[]> = {
  'event-store': ['postgres', 'kafka'],
  'kafka-migrator': ['postgres', 'kafka'],
  'clickhouse-populator': ['postgres', 'kafka', 'clickhouse'],
  'weaviate-indexer': ['postgres', 'kafka', 'weaviate'],
  'consistency-checker': ['postgres', 'kafka', 'clickhouse', 'weaviate'],
};
const usesOf = (pod: PodEndpoint): Store[] => USES[pod.labels['app.kubernetes.io/name']] ?? ['postgres'];
/** The pods that serve /metrics, which Prometheus scrapes. */
const SERVES_METRICS = ['event-store', 'kafka-migrator', 'clickhouse-populator', 'weaviate-indexer', 'consistency-checker'];

const tcp = (port: number) => ({ protocol: 'TCP' as const, port });
const inNamespace = (
  namespace: string,
  labels: Record<string, string> = {},
  extraNsLabels = {},
): Endpoint => ({
  kind: 'pod',
  namespace,
  namespaceLabels: namespaceLabels(namespace, extraNsLabels),
  labels,
});
const ip = (address: string): Endpoint => ({ kind: 'ip', ip: address });

const OVERLAYS = findKustomizations('k8s').kustomizations.filter((k) => k.startsWith('k8s/overlays/'));

describe.each(OVERLAYS)('NetworkPolicies rendered by %s', (overlay) => {
  let objects: ManifestObject[];
  let policies: NetworkPolicy[];
  let pods: WorkloadPod[];
  const each = (check: (w: WorkloadPod) => string[]) => {
    const problems = pods.flatMap((w) => check(w).map((p) => `${w.source}: ${p}`));
    expect(problems).toEqual([]);
  };

  beforeAll(() => {
    objects = renderKustomization(overlay).objects;
    policies = networkPolicies(objects);
    pods = workloadPods(objects);
  });

  it('includes the network-policies component, and renders pods to apply it to', () => {
    expect(policies.map((p) => p.metadata.name)).toContain('mch-default-deny');
    expect(pods.map((w) => w.pod.labels['app.kubernetes.io/name'])).toEqual(
      expect.arrayContaining(Object.keys(USES)),
    );
  });

  it('isolates every pod in both directions (deny unless allowed)', () => {
    each(({ pod }) =>
      (['Ingress', 'Egress'] as const)
        .filter((d) => !isolated(policies, d, pod))
        .map((d) => `not isolated for ${d}`),
    );
  });

  it('lets each workload reach exactly the stores it uses, on their ports, in the cluster or at the external address', () => {
    each(({ pod }) =>
      (Object.keys(STORES) as Store[]).flatMap((store) => {
        const { namespace, address, ports } = STORES[store];
        const expected = usesOf(pod).includes(store);
        return ports.flatMap((port) =>
          [inNamespace(namespace, { app: store }), ip(address)]
            .filter((to) => allows(policies, 'Egress', pod, to, tcp(port)) !== expected)
            .map(
              (to) =>
                `${expected ? 'cannot reach' : 'may reach'} ${store} at ${to.kind === 'ip' ? to.ip : `namespace ${namespace}`}:${port}`,
            ),
        );
      }),
    );
  });

  it('lets every pod resolve names through kube-dns, and reach nothing else in kube-system', () => {
    const dns = inNamespace('kube-system', { 'k8s-app': 'kube-dns' });
    each(({ pod }) => [
      ...(allows(policies, 'Egress', pod, dns, { protocol: 'UDP', port: 53 }) ? [] : ['no DNS over UDP']),
      ...(allows(policies, 'Egress', pod, dns, tcp(53)) ? [] : ['no DNS over TCP']),
      ...(allows(policies, 'Egress', pod, inNamespace('kube-system', { component: 'etcd' }), tcp(53))
        ? ['reaches other kube-system pods']
        : []),
      ...(allows(policies, 'Egress', pod, dns, tcp(443)) ? ['reaches kube-dns on 443'] : []),
    ]);
  });

  it("lets nothing else out: not the internet, not a store port elsewhere, not the namespace's own pods", () => {
    each(({ pod }) => {
      const elsewhere = [
        ip('8.8.8.8'),
        ip('10.0.0.1'),
        inNamespace('default'),
        inNamespace('monitoring'),
        inNamespace(pod.namespace, pod.labels),
      ];
      return elsewhere.flatMap((to) =>
        [443, 80, 5432, 9092, 8123, 8080, 3000]
          .filter((port) => allows(policies, 'Egress', pod, to, tcp(port)))
          .map((port) => `may reach ${to.kind === 'ip' ? to.ip : `namespace ${to.namespace}`}:${port}`),
      );
    });
  });

  it('lets only the weaviate-indexer call the inference pods (8080), and into them only it and Weaviate', () => {
    const inference = pods.filter((w) => w.pod.labels['app.kubernetes.io/name'] === 'inference');
    expect(inference.length).toBeGreaterThan(0);
    const inferencePod = inNamespace(inference[0].pod.namespace, inference[0].pod.labels);
    each(({ pod }) => {
      const expected = pod.labels['app.kubernetes.io/name'] === 'weaviate-indexer';
      return [8080, 3000]
        .filter((port) => allows(policies, 'Egress', pod, inferencePod, tcp(port)) !== (expected && port === 8080))
        .map((port) => `${expected && port === 8080 ? 'cannot call' : 'may call'} the inference pods on ${port}`);
    });
    for (const { pod, source } of inference) {
      const namespace = pod.namespace;
      const expectations: [string, Endpoint, number, boolean][] = [
        ['the weaviate-indexer', inNamespace(namespace, { 'app.kubernetes.io/name': 'weaviate-indexer' }), 8080, true],
        ["Weaviate's module (namespace weaviate)", inNamespace(STORES.weaviate.namespace, { app: 'weaviate' }), 8080, true],
        ['the weaviate-indexer on another port', inNamespace(namespace, { 'app.kubernetes.io/name': 'weaviate-indexer' }), 3000, false],
        ['the clickhouse-populator', inNamespace(namespace, { 'app.kubernetes.io/name': 'clickhouse-populator' }), 8080, false],
        ['another namespace', inNamespace('monolith', { app: 'monolith' }), 8080, false],
        ['an outside address', ip('203.0.113.99'), 8080, false],
      ];
      const problems = expectations
        .filter(([, from, port, expected]) => allows(policies, 'Ingress', pod, from, tcp(port)) !== expected)
        .map(([who, , port, expected]) => `${source}: ${expected ? 'refuses' : 'accepts'} ${who} on ${port}`);
      expect(problems).toEqual([]);
    }
  });

  it('lets only the rollback Jobs reach the Kubernetes API server (placeholder 192.0.2.1), on 443 and 6443', () => {
    const apiServer = ip('192.0.2.1');
    expect(pods.filter((w) => w.pod.labels['app.kubernetes.io/component'] === 'rollback').length).toBeGreaterThan(0);
    each(({ pod }) => {
      const expected = pod.labels['app.kubernetes.io/component'] === 'rollback';
      return [443, 6443]
        .filter((port) => allows(policies, 'Egress', pod, apiServer, tcp(port)) !== expected)
        .map((port) => `${expected ? 'cannot reach' : 'may reach'} the API server on ${port}`);
    });
  });

  it('lets in only Prometheus (to /metrics pods), the Argo Rollouts controller and labelled clients (to event-store), on 3000', () => {
    const prometheus = inNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
    const argo = inNamespace('argo-rollouts', { 'app.kubernetes.io/name': 'argo-rollouts' });
    const client = inNamespace(
      'monolith',
      { app: 'monolith' },
      { 'medcontracthub.io/event-store-client': 'true' },
    );
    each(({ pod }) => {
      const name = pod.labels['app.kubernetes.io/name'];
      const expectations: [string, Endpoint, number, boolean][] = [
        ['Prometheus', prometheus, 3000, SERVES_METRICS.includes(name)],
        ['Argo Rollouts', argo, 3000, name === 'event-store'],
        ['a labelled client namespace', client, 3000, name === 'event-store'],
        ['Prometheus on another port', prometheus, 8080, false],
        ['an unlabelled namespace', inNamespace('monolith', { app: 'monolith' }), 3000, false],
        [
          'another pod of the namespace',
          inNamespace(pod.namespace, { 'app.kubernetes.io/name': 'kafka-migrator' }),
          3000,
          false,
        ],
        ['an outside address', ip('203.0.113.99'), 3000, false],
      ];
      return expectations
        .filter(([, from, port, expected]) => allows(policies, 'Ingress', pod, from, tcp(port)) !== expected)
        .map(([who, , port, expected]) => `${expected ? 'refuses' : 'accepts'} ${who} on ${port}`);
    });
  });
});
