// Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), evaluated over rendered manifests:
// which connections the policies of one namespace allow. There is no cluster and no CNI here, so
// this answers what the API defines, not what a given CNI enforces (docs/security.md).
import type { ManifestObject } from './manifest-schemas.validator';

type Labels = Record<string, string>;
type Obj = Record<string, unknown>;

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number | string;
  endPort?: number;
}
interface Rule {
  to?: Peer[];
  from?: Peer[];
  ports?: PolicyPort[];
}
export interface NetworkPolicy {
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: Rule[];
    egress?: Rule[];
  };
}

/** A pod as a policy sees it: its namespace (with that namespace's labels) and its labels. */
export interface PodEndpoint {
  kind: 'pod';
  namespace: string;
  namespaceLabels: Labels;
  labels: Labels;
}
/** An address outside the cluster's pods (ipBlock peers apply to these). */
export interface IpEndpoint {
  kind: 'ip';
  ip: string;
}
export type Endpoint = PodEndpoint | IpEndpoint;
export interface Port {
  protocol: 'TCP' | 'UDP';
  port: number;
}

/** The labels every namespace has from Kubernetes 1.22 on, which policies here select by. */
export const namespaceLabels = (name: string, extra: Labels = {}): Labels => ({
  'kubernetes.io/metadata.name': name,
  ...extra,
});

export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    if (operator === 'In' && !(has && values.includes(labels[key]))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key])) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const ipv4 = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4(base) / size) * size;
  return ipv4(ip) >= start && ipv4(ip) < start + size;
}

/** A peer of a policy in `namespace` matches the other end of the connection. */
function peerMatches(peer: Peer, namespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    return (
      other.kind === 'ip' &&
      cidrContains(peer.ipBlock.cidr, other.ip) &&
      !(peer.ipBlock.except ?? []).some((e) => cidrContains(e, other.ip))
    );
  }
  if (other.kind !== 'pod') return false;
  // podSelector alone: pods of the policy's own namespace; with namespaceSelector: pods of those namespaces.
  if (!peer.namespaceSelector && other.namespace !== namespace) return false;
  if (peer.namespaceSelector && !selects(peer.namespaceSelector, other.namespaceLabels)) return false;
  return selects(peer.podSelector, other.labels);
}

function portMatches(ports: PolicyPort[] | undefined, port: Port): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== port.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string')
      throw new Error(`named port '${p.port}': not evaluated here, use numbers`);
    return p.endPort === undefined ? p.port === port.port : port.port >= p.port && port.port <= p.endPort;
  });
}

const typesOf = (policy: NetworkPolicy): string[] =>
  policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress ? ['Egress'] : [])];

/**
 * Whether `pod` may open a connection to `other` on `port` (direction egress), or accept one from
 * `other` on `port` (direction ingress), under the policies of the pod's namespace. A pod no policy
 * isolates in that direction allows everything; otherwise one rule of one selecting policy must
 * match both the peer and the port (policies and rules are OR-ed, never subtracted).
 */
export function allows(
  policies: NetworkPolicy[],
  direction: 'Ingress' | 'Egress',
  pod: PodEndpoint,
  other: Endpoint,
  port: Port,
): boolean {
  const selecting = policies.filter(
    (p) =>
      (p.metadata.namespace ?? pod.namespace) === pod.namespace &&
      selects(p.spec.podSelector, pod.labels) &&
      typesOf(p).includes(direction),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    ((direction === 'Egress' ? policy.spec.egress : policy.spec.ingress) ?? []).some((rule) => {
      const peers = direction === 'Egress' ? rule.to : rule.from;
      const peerOk =
        !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, pod.namespace, other));
      return peerOk && portMatches(rule.ports, port);
    }),
  );
}

/** Whether some policy isolates the pod in this direction (else everything is allowed). */
export const isolated = (
  policies: NetworkPolicy[],
  direction: 'Ingress' | 'Egress',
  pod: PodEndpoint,
): boolean =>
  policies.some(
    (p) =>
      (p.metadata.namespace ?? pod.namespace) === pod.namespace &&
      selects(p.spec.podSelector, pod.labels) &&
      typesOf(p).includes(direction),
  );

export interface WorkloadPod {
  /** kind/name of the object that makes the pod, e.g. `Job/kafka-migrator-backfill`. */
  source: string;
  pod: PodEndpoint;
}

/**
 * The pods the rendered objects make: Deployments, Jobs, Rollouts with their own template, and the
 * Jobs of AnalysisTemplate job metrics (which Argo Rollouts creates in the same namespace).
 */
export function workloadPods(
  objects: ManifestObject[],
  nsLabels: (namespace: string) => Labels = (n) => namespaceLabels(n),
): WorkloadPod[] {
  const pods: WorkloadPod[] = [];
  const add = (source: string, namespace: unknown, template: Obj | undefined) => {
    const labels = ((template?.metadata as Obj | undefined)?.labels ?? {}) as Labels;
    const ns = String(namespace ?? 'default');
    if (template)
      pods.push({ source, pod: { kind: 'pod', namespace: ns, namespaceLabels: nsLabels(ns), labels } });
  };
  for (const object of objects) {
    const spec = (object.spec ?? {}) as Obj;
    const source = `${object.kind}/${object.metadata.name}`;
    if (
      ['Deployment', 'Job', 'StatefulSet', 'DaemonSet'].includes(object.kind) ||
      (object.kind === 'Rollout' && spec.template)
    ) {
      add(source, object.metadata.namespace, spec.template as Obj | undefined);
    } else if (object.kind === 'CronJob') {
      add(
        source,
        object.metadata.namespace,
        ((spec.jobTemplate as Obj | undefined)?.spec as Obj | undefined)?.template as Obj | undefined,
      );
    } else if (object.kind === 'AnalysisTemplate') {
      for (const metric of (spec.metrics ?? []) as Obj[]) {
        const job = (metric.provider as Obj | undefined)?.job as Obj | undefined;
        if (job)
          add(
            `${source}#${String(metric.name)}`,
            object.metadata.namespace,
            (job.spec as Obj).template as Obj,
          );
      }
    }
  }
  return pods;
}

export const networkPolicies = (objects: ManifestObject[]): NetworkPolicy[] =>
  objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as NetworkPolicy[];
