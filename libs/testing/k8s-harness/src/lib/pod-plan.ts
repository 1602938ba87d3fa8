// What a container of a rendered pod would run: the image's entry point and the container's
// command/args (Kubernetes semantics), its environment as the kubelet builds it, pointed at the
// local stack, and its declared ports remapped to free host ports (a pod has its own network
// namespace; here every pod shares 127.0.0.1).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { freePort } from '@mch/testing-stack';
import type { Container, EnvVar, K8sObject, PodTemplate } from './k8s-types';
import { join } from 'node:path';
import { appOfImage, harnessDir, ImageError, imageLayout, type ImageLayout } from './image-layout';
import { pointAtStack, STORE_ENDPOINT_KEYS, type LocalStack, type StoreEndpointKey } from './local-stack';
import { containerEnv, expandVars, type PodIdentity } from './pod-env';
import { materializeVolumes, remapMountedPaths } from './pod-volumes';
import type { RenderedOverlay } from './rendered-overlay';

export interface HarnessContext {
  workspace: string;
  overlay: RenderedOverlay;
  stack: LocalStack;
  /**
   * Test isolation, added to every container after the manifest's environment: per-run topic
   * prefixes, consumer groups and collection prefixes, so a run does not collide with other tests
   * on the shared stack. Names only settings production leaves at their defaults.
   */
  isolationEnv?: Record<string, string>;
}

export interface PodPlan {
  podName: string;
  pod: PodIdentity;
  container: Container;
  image: ImageLayout;
  /** argv[0] is the executable on this host (the image's `node` is this Node). */
  argv: string[];
  /** The same, in image paths, as the container would see it. */
  imageArgv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Pod port (containerPort, or one the image EXPOSEs) -> host port it is served on here. */
  ports: Map<number, number>;
  terminationGracePeriodSeconds: number;
}

export interface PlanOptions {
  /** Labels and annotations the controller adds (Job completion index, pod-template-hash). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Env the controller injects (the Job controller's JOB_COMPLETION_INDEX). */
  controllerEnv?: EnvVar[];
  podName?: string;
  /** Store endpoints for this pod only (a proxy in front of a store, another database). */
  endpoints?: Partial<Record<StoreEndpointKey, string>>;
  containerName?: string;
}

const suffix = () => randomBytes(3).toString('hex').slice(0, 5);

/** The pod name its controller would give it. */
export function podNameFor(workload: K8sObject, template: PodTemplate, index?: number): string {
  const name = workload.metadata.name;
  if (workload.kind === 'Job') return index === undefined ? `${name}-${suffix()}` : `${name}-${index}-${suffix()}`;
  const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
  return `${name}-${hash}-${suffix()}`;
}

/** Kubernetes: `command` replaces ENTRYPOINT; `args` replaces CMD; `command` alone drops CMD. */
export function containerArgv(image: { entrypoint: string[]; cmd: string[] }, container: Container): string[] {
  if (container.command) return [...container.command, ...(container.args ?? [])];
  return [...image.entrypoint, ...(container.args ?? image.cmd)];
}

export async function planPod(ctx: HarnessContext, workload: K8sObject, template: PodTemplate, options: PlanOptions = {}): Promise<PodPlan> {
  const containers = template.spec.containers;
  const container = options.containerName ? containers.find((c) => c.name === options.containerName) : containers[0];
  if (!container) throw new Error(`${workload.kind} ${workload.metadata.name}: no container ${options.containerName ?? ''}`);
  if (containers.length > 1 && !options.containerName) throw new Error(`${workload.kind} ${workload.metadata.name}: ${containers.length} containers; the harness runs one per pod (name it)`);
  if (template.spec.initContainers?.length) throw new Error(`${workload.kind} ${workload.metadata.name}: init containers are not supported by the harness`);
  const app = appOfImage(container.image);
  const image = imageLayout(ctx.workspace, app);
  const podName = options.podName ?? podNameFor(workload, template);
  const pod: PodIdentity = {
    name: podName,
    namespace: ctx.overlay.namespace,
    uid: randomUUID(),
    labels: { ...(template.metadata?.labels ?? {}), ...(options.labels ?? {}) },
    annotations: { ...(template.metadata?.annotations ?? {}), ...(options.annotations ?? {}) },
    serviceAccountName: (template.spec as { serviceAccountName?: string }).serviceAccountName,
    nodeName: 'harness-node',
    podIP: '127.0.0.1',
    hostIP: '127.0.0.1',
  };
  const manifestEnv = containerEnv(container, { overlay: ctx.overlay, secrets: ctx.stack.secrets, pod }, options.controllerEnv);
  // The image's ENV is under the container's (a container variable of the same name wins).
  let env: Record<string, string> = { ...image.config.env, ...manifestEnv };
  env = pointAtStack(env, { ...ctx.stack.endpoints, ...(options.endpoints ?? {}) });
  // configMap/secret volumes as files under the pod's temp root; env values naming a path under a
  // mountPath (PGSSLROOTCERT=/etc/medcontracthub/store-ca/ca.crt) follow them there.
  const volumeSources = { overlay: ctx.overlay, configMaps: ctx.stack.configMaps, secrets: ctx.stack.secrets };
  const mounts = materializeVolumes(container, template, volumeSources, join(harnessDir(), 'pods', podName));
  // Paths into the image's own files (MODEL_DIR=/models/minilm) point into its laid-out rootfs;
  // a mounted volume hides what the image has at that path, so mounts are remapped after.
  const mounted = (value: string) => mounts.some((m) => value === m.mountPath || value.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  for (const [key, value] of Object.entries(env)) {
    if (value.startsWith('/') && !mounted(value)) env[key] = image.hostPath(value);
  }
  env = remapMountedPaths(env, mounts);

  // Every port a process of this pod may listen on gets a free host port; env variables naming one
  // (HTTP_PORT=3000) are rewritten to it, so the process serves the declared port's traffic there.
  const ports = new Map<number, number>();
  for (const port of [...(container.ports ?? []).map((p) => p.containerPort), ...image.config.exposed]) {
    if (!ports.has(port)) ports.set(port, await freePort());
  }
  for (const [key, value] of Object.entries(env)) {
    if (/PORT$/.test(key) && !(STORE_ENDPOINT_KEYS as readonly string[]).includes(key) && ports.has(Number(value)) && /^\d+$/.test(value)) {
      env[key] = String(ports.get(Number(value)));
    }
  }
  Object.assign(env, ctx.isolationEnv ?? {});
  // Set by the container runtime in every container: the pod's hostname, and PATH from the image.
  env.HOSTNAME = podName;
  env.PATH = image.config.env.PATH ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

  const imageArgv = containerArgv(image.config, container).map((a) => expandVars(a, (n) => manifestEnv[n]));
  if (imageArgv.length === 0) throw new ImageError(`${container.name}: neither the image nor the container has a command`);
  if (imageArgv[0] !== 'node' && imageArgv[0] !== '/usr/local/bin/node') {
    throw new ImageError(`${container.name}: executable '${imageArgv[0]}' (image ${container.image}): only node exists in a ${app} image run by the harness`);
  }
  const argv = [process.execPath, ...imageArgv.slice(1).map((a) => image.hostPath(a))];
  const script = argv.slice(1).find((a) => !a.startsWith('-'));
  if (!script) throw new ImageError(`${container.name}: node is given no script (argv ${JSON.stringify(imageArgv)})`);
  if (!existsSync(script)) throw new ImageError(`${container.name}: image ${container.image} has no ${imageArgv.slice(1).find((a) => !a.startsWith('-'))} (looked in ${script})`);
  const workingDir = container.workingDir ?? image.config.workdir;
  return {
    podName,
    pod,
    container,
    image,
    argv,
    imageArgv,
    cwd: image.hostPath(workingDir),
    env,
    ports,
    terminationGracePeriodSeconds: template.spec.terminationGracePeriodSeconds ?? 30,
  };
}
