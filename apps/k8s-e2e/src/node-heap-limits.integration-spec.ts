// V8's heap limit is the old generation (--max-old-space-size) plus the young generation (3 x
// --max-semi-space-size), both set in each container's NODE_OPTIONS; without a semi-space flag
// Node 24 sizes the young generation on its own, up to 3 x 64 MB whatever the old space. A pod
// whose heap limit is above its memory limit is killed by the kernel (OOMKilled) before V8
// collects harder. So each Node container is started as its image starts it (ENTRYPOINT or
// command, then NODE_OPTIONS) on the Node of the image's major version, and the heap limit it
// reports must leave room for what lives outside the heap (code, Buffers, sockets) under the
// container's memory limit.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  appOfImage,
  overlayFromObjects,
  parseDockerfile,
  podTemplateOf,
  quantity,
  renderOverlay,
  type Container,
  type K8sObject,
  type PodTemplate,
  type RenderedOverlay,
} from '@mch/testing-k8s-harness';
import { WORKSPACE_ROOT } from './support/harness-stores';

/** At most this share of the memory limit may be V8's heap; the rest is for what is outside it. */
const HEAP_SHARE = 0.85;
const OVERLAYS = ['k8s/overlays/staging', 'k8s/overlays/production'];
const WORKLOAD_KINDS = new Set(['Job', 'Deployment', 'Rollout']);

interface NodeContainer {
  workload: string;
  container: string;
  /** Node's own flags in the container's command line (the image's ENTRYPOINT unless `command` replaces it). */
  nodeFlags: string[];
  nodeOptions: string;
  memoryLimit: number;
}

const DOCKERFILE = readFileSync(path.join(WORKSPACE_ROOT, 'Dockerfile'), 'utf8');

/** The flags between `node` and the script in the command line the container runs. */
function nodeFlagsOf(container: Container): string[] {
  const argv = container.command ?? parseDockerfile(DOCKERFILE, { APP: appOfImage(container.image) }).entrypoint;
  if (argv[0] !== 'node') throw new Error(`${container.name}: runs ${argv[0]}, not node`);
  const flags: string[] = [];
  for (const arg of argv.slice(1)) {
    if (!arg.startsWith('--')) break;
    flags.push(arg);
  }
  return flags;
}

/** The pod templates the overlay runs: workloads' and the Argo AnalysisTemplates' metric Jobs. */
function podSpecs(overlay: RenderedOverlay): { owner: string; containers: Container[] }[] {
  const specs: { owner: string; containers: Container[] }[] = [];
  for (const object of overlay.objects) {
    const spec = (object as { spec?: Record<string, unknown> }).spec ?? {};
    const owner = `${object.kind}/${object.metadata.name}`;
    if (WORKLOAD_KINDS.has(object.kind)) {
      if (object.kind === 'Rollout' && !spec.template) continue; // its workloadRef Deployment is listed itself
      specs.push({ owner, containers: podTemplateOf(overlay, object).spec.containers });
    } else if (object.kind === 'AnalysisTemplate') {
      const metrics = (spec.metrics ?? []) as { name: string; provider?: { job?: { spec?: { template?: PodTemplate } } } }[];
      for (const metric of metrics) {
        const template = metric.provider?.job?.spec?.template;
        if (template) specs.push({ owner: `${owner} metric ${metric.name}`, containers: template.spec.containers });
      }
    }
  }
  return specs;
}

/** Every container that sets NODE_OPTIONS, with its memory limit (a missing limit is a failure of its own). */
function nodeContainers(overlay: RenderedOverlay): NodeContainer[] {
  const found: NodeContainer[] = [];
  for (const { owner, containers } of podSpecs(overlay)) {
    for (const c of containers) {
      const nodeOptions = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
      if (nodeOptions === undefined) continue;
      const limit = c.resources?.limits?.memory;
      if (limit === undefined) throw new Error(`${owner} ${c.name} sets NODE_OPTIONS but no memory limit`);
      found.push({ workload: owner, container: c.name, nodeFlags: nodeFlagsOf(c), nodeOptions, memoryLimit: quantity(limit) });
    }
  }
  return found;
}

/** The heap limit V8 reports with these flags and NODE_OPTIONS, in bytes (a real Node process). */
function heapLimit(nodeFlags: string[], nodeOptions: string): number {
  const run = spawnSync(process.execPath, [...nodeFlags, '-e', 'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))'], {
    env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`node ${nodeFlags.join(' ')} with NODE_OPTIONS='${nodeOptions}' failed: ${run.stderr}`);
  return Number(run.stdout);
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/** The containers whose heap limit is above HEAP_SHARE of their memory limit, described. */
function overLimit(containers: NodeContainer[]): string[] {
  return containers.flatMap((c) => {
    const heap = heapLimit(c.nodeFlags, c.nodeOptions);
    return heap > HEAP_SHARE * c.memoryLimit
      ? [`${c.workload} ${c.container}: node ${c.nodeFlags.join(' ')} with NODE_OPTIONS '${c.nodeOptions}' has a heap limit of ${mib(heap)}, over ${HEAP_SHARE * 100} % of its ${mib(c.memoryLimit)} memory limit`]
      : [];
  });
}

describe("each Node container's heap limit fits its memory limit", () => {
  it('this Node is the major version of the image the manifests run', () => {
    const dockerfile = readFileSync(path.join(WORKSPACE_ROOT, 'Dockerfile'), 'utf8');
    const image = /^ARG NODE_IMAGE=node:(\d+)/m.exec(dockerfile);
    expect(image).not.toBeNull();
    expect(process.versions.node.split('.')[0]).toBe(image![1]);
  });

  describe.each(OVERLAYS)('%s', (overlayPath) => {
    let overlay: RenderedOverlay;
    beforeAll(() => {
      overlay = renderOverlay(overlayPath, WORKSPACE_ROOT);
    });

    it(`every container with NODE_OPTIONS: V8's heap limit is at most ${HEAP_SHARE * 100} % of its memory limit`, () => {
      const containers = nodeContainers(overlay);
      // The services and Jobs, event-store, inference and the analysis Job's checker at least.
      expect(containers.length).toBeGreaterThanOrEqual(10);
      expect(containers.some((c) => c.workload.startsWith('AnalysisTemplate/'))).toBe(true);
      expect(overLimit(containers)).toEqual([]);
    });

    it('catches an old-space cap raised without the memory limit', () => {
      const objects = structuredClone(overlay.objects) as K8sObject[];
      const mutated = overlayFromObjects(`${overlayPath} (mutated)`, objects);
      const job = mutated.find('Job', 'kafka-migrator-backfill');
      expect(job).toBeDefined();
      const env = podTemplateOf(mutated, job!).spec.containers[0].env!;
      env.find((e) => e.name === 'NODE_OPTIONS')!.value = '--max-old-space-size=480 --max-semi-space-size=16';
      const found = overLimit(nodeContainers(mutated)).filter((line) => line.startsWith('Job/kafka-migrator-backfill'));
      expect(found).toEqual([expect.stringMatching(/heap limit of 528 MiB, over 85 % of its 512 MiB memory limit/)]);
    });

    it("sets the young generation in NODE_OPTIONS, where it takes effect: no command line sets it, and without it the backfill's cap would not fit", () => {
      const containers = nodeContainers(overlay);
      // A flag on the command line would win over NODE_OPTIONS.
      expect(containers.filter((c) => c.nodeFlags.some((f) => f.startsWith('--max-semi-space-size')))).toEqual([]);
      expect(containers.filter((c) => !/--max-semi-space-size=\d+/.test(c.nodeOptions)).map((c) => c.workload)).toEqual([]);
      const backfill = containers.find((c) => c.workload === 'Job/kafka-migrator-backfill')!;
      const oldSpaceOnly = backfill.nodeOptions.replace(/\s*--max-semi-space-size=\d+/, '');
      expect(heapLimit(backfill.nodeFlags, oldSpaceOnly)).toBeGreaterThan(HEAP_SHARE * backfill.memoryLimit);
    });
  });
});
