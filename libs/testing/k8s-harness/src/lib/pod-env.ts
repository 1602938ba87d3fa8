// A container's environment as the kubelet builds it (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables):
// service links first, then envFrom in order, then env in order (a later name overrides an earlier
// one), `$(VAR)` references expanded against what is defined before, valueFrom resolved from the
// namespace's ConfigMaps and Secrets and the downward API. A missing, non-optional ConfigMap,
// Secret or key is CreateContainerConfigError, as on a node: the container never starts.
import type { Container, EnvVar, K8sObject } from './k8s-types';
import type { RenderedOverlay } from './rendered-overlay';

export class CreateContainerConfigError extends Error {
  constructor(container: string, message: string) {
    super(`CreateContainerConfigError: container ${container}: ${message}`);
  }
}

export interface PodIdentity {
  name: string;
  namespace: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccountName?: string;
  nodeName: string;
  podIP: string;
  hostIP: string;
}

export interface EnvSources {
  overlay: RenderedOverlay;
  /** Secret name -> data, as the cluster would hold them (none are in the repository). */
  secrets: Record<string, Record<string, string>>;
  pod: PodIdentity;
  /** `enableServiceLinks` (default true): the `<SERVICE>_SERVICE_HOST`… variables of every Service. */
  serviceLinks?: boolean;
}

/** Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): `$$` escapes, unknown stays. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end === -1) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      const value = lookup(name);
      out += value ?? `$(${name})`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}

/** The variables the kubelet derives from each Service of the namespace (docker links style). */
export function serviceLinkEnv(overlay: RenderedOverlay): Record<string, string> {
  const env: Record<string, string> = {};
  overlay.all('Service').forEach((service, n) => {
    const spec = (service as { spec?: { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] } }).spec ?? {};
    if (spec.clusterIP === 'None') return;
    const ip = spec.clusterIP ?? `10.96.0.${10 + n}`;
    const prefix = service.metadata.name.toUpperCase().replace(/-/g, '_');
    const ports = spec.ports ?? [];
    if (ports.length === 0) return;
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
    for (const port of ports) if (port.name) env[`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
    const first = ports[0];
    env[`${prefix}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`;
    for (const port of ports) {
      const proto = port.protocol ?? 'TCP';
      const base = `${prefix}_PORT_${port.port}_${proto}`;
      env[base] = `${proto.toLowerCase()}://${ip}:${port.port}`;
      env[`${base}_PROTO`] = proto.toLowerCase();
      env[`${base}_PORT`] = String(port.port);
      env[`${base}_ADDR`] = ip;
    }
  });
  return env;
}

/** `metadata.labels['x']` / `metadata.annotations['x']` and the plain downward-API fields. */
export function fieldRefValue(pod: PodIdentity, fieldPath: string): string {
  const subscript = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(fieldPath);
  if (subscript) return (subscript[1] === 'labels' ? pod.labels : pod.annotations)[subscript[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'metadata.uid':
      return pod.uid;
    case 'metadata.labels':
      return Object.entries(pod.labels).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations':
      return Object.entries(pod.annotations).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName':
      return pod.nodeName;
    case 'spec.serviceAccountName':
      return pod.serviceAccountName ?? 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
      return pod.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return pod.podIP;
    default:
      throw new Error(`unsupported fieldRef ${fieldPath}`);
  }
}

/** Quantities as resourceFieldRef reports them: CPU rounded up to the divisor, memory in bytes / divisor. */
export function quantity(value: string | number): number {
  const text = String(value);
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(text);
  if (!m) throw new Error(`cannot read quantity ${text}`);
  const factors: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * (m[2] ? factors[m[2]] : 1);
}

function resourceFieldValue(container: Container, ref: NonNullable<EnvVar['valueFrom']>['resourceFieldRef'] & object): string {
  const [kind, resource] = ref.resource.split('.');
  const declared = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[resource];
  if (declared === undefined) throw new Error(`resourceFieldRef ${ref.resource}: not declared (a node would substitute its allocatable, unknown here)`);
  const divisor = quantity(ref.divisor ?? 1);
  return String(Math.ceil(quantity(declared) / divisor));
}

/** The container's environment in a real pod: name -> value, in the kubelet's precedence. */
export function containerEnv(container: Container, sources: EnvSources, extraEnv: EnvVar[] = []): Record<string, string> {
  const env: Record<string, string> = sources.serviceLinks === false ? {} : serviceLinkEnv(sources.overlay);
  const fail = (message: string): never => {
    throw new CreateContainerConfigError(container.name, message);
  };
  const configMap = (name: string) => sources.overlay.configMap(name);
  const secret = (name: string) => sources.secrets[name];
  for (const from of container.envFrom ?? []) {
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      data = configMap(from.configMapRef.name);
      if (!data && !from.configMapRef.optional) fail(`configmap "${from.configMapRef.name}" not found`);
    } else if (from.secretRef) {
      data = secret(from.secretRef.name);
      if (!data && !from.secretRef.optional) fail(`secret "${from.secretRef.name}" not found`);
    }
    for (const [key, value] of Object.entries(data ?? {})) env[`${from.prefix ?? ''}${key}`] = value;
  }
  const lookup = (name: string) => env[name];
  for (const variable of [...(container.env ?? []), ...extraEnv]) {
    if (variable.value !== undefined || !variable.valueFrom) {
      env[variable.name] = expandVars(variable.value ?? '', lookup);
      continue;
    }
    const from = variable.valueFrom;
    if (from.configMapKeyRef || from.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef) as NonNullable<typeof from.configMapKeyRef>;
      const what = from.configMapKeyRef ? 'configmap' : 'secret';
      const data = from.configMapKeyRef ? configMap(ref.name) : secret(ref.name);
      if (!data) {
        if (ref.optional) continue;
        fail(`${what} "${ref.name}" not found (env ${variable.name})`);
      } else if (!(ref.key in data)) {
        if (ref.optional) continue;
        fail(`couldn't find key ${ref.key} in ${what} ${sources.pod.namespace}/${ref.name} (env ${variable.name})`);
      } else env[variable.name] = data[ref.key];
    } else if (from.fieldRef) {
      try {
        env[variable.name] = fieldRefValue(sources.pod, from.fieldRef.fieldPath);
      } catch (error) {
        fail((error as Error).message);
      }
    } else if (from.resourceFieldRef) {
      try {
        env[variable.name] = resourceFieldValue(container, from.resourceFieldRef);
      } catch (error) {
        fail((error as Error).message);
      }
    } else fail(`env ${variable.name}: valueFrom names no source`);
  }
  return env;
}

/** Finds objects referenced by name that the rendering lacks, for reports before anything runs. */
export function referencedConfigMaps(container: Container): string[] {
  return [
    ...(container.envFrom ?? []).map((f) => f.configMapRef?.name),
    ...(container.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name),
  ].filter((n): n is string => !!n);
}

export type { K8sObject };
