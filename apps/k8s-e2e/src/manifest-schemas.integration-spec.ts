// Every object rendered from k8s/ is validated offline against the schemas of a pinned Kubernetes
// version and of the pinned Argo Rollouts CRDs (see docs/kubernetes-validation.md), and the
// schemas are shown to catch real defects and to accept what the API server accepts.
import { existsSync } from 'node:fs';
import {
  argoCreatedObjects,
  describeFailures,
  findKustomizations,
  installSchemaToolchain,
  KubeconformResult,
  ManifestObject,
  renderKustomization,
  schemaFileFor,
  SchemaToolchain,
  validateObjects,
  validateYaml,
} from './manifest-schemas.validator';

// Every Kustomization under k8s/ (a new overlay is picked up without editing this file).
const TREE = findKustomizations('k8s');
const KUSTOMIZATIONS = TREE.kustomizations;
// The first run on a machine builds kubeconform and downloads the pinned sources through the Go
// module proxy; later runs find them cached.
const INSTALL_TIMEOUT_MS = 20 * 60_000;

type Obj = Record<string, unknown>;

function clone<T>(value: T): T {
  return structuredClone(value);
}

function find(
  objects: ManifestObject[],
  predicate: (o: ManifestObject) => boolean,
  what: string,
): ManifestObject {
  const found = objects.find(predicate);
  if (!found) throw new Error(`the rendered production overlay has no ${what}`);
  return found;
}

function podSpec(object: ManifestObject): Obj {
  return ((object.spec as Obj).template as Obj).spec as Obj;
}

function validateOne(toolchain: SchemaToolchain, object: object): KubeconformResult {
  const results = validateObjects(toolchain, [object]);
  expect(results).toHaveLength(1);
  return results[0];
}

describe('rendered manifests against the pinned Kubernetes and Argo Rollouts schemas', () => {
  let toolchain: SchemaToolchain;

  beforeAll(() => {
    toolchain = installSchemaToolchain();
  }, INSTALL_TIMEOUT_MS);

  it('finds the base and both overlays, and every component is rendered by one of them', () => {
    expect(KUSTOMIZATIONS).toEqual(
      expect.arrayContaining(['k8s/base', 'k8s/overlays/staging', 'k8s/overlays/production']),
    );
    const unused = [...TREE.components].filter(([, includers]) => includers.length === 0).map(([dir]) => dir);
    // A component no Kustomization includes is never rendered, so never validated.
    expect(unused).toEqual([]);
    expect(TREE.components.size).toBeGreaterThan(0);
  });

  describe.each(KUSTOMIZATIONS)('%s', (kustomization) => {
    it('renders objects that all validate, each reported by kind and name', () => {
      const rendered = renderKustomization(kustomization);
      expect(rendered.objects.length).toBeGreaterThan(0);
      // kubectl's own text, so -strict also sees duplicate keys the way the API server would.
      const results = validateYaml(toolchain, rendered.text);
      expect(describeFailures(results)).toBe('');
      expect(results.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(
        rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
      );
    });

    it('has a generated schema for every kind it renders (none is skipped)', () => {
      const kinds = new Set(
        renderKustomization(kustomization).objects.map((o) => `${o.apiVersion} ${o.kind}`),
      );
      const missing = [...kinds].filter((k) => {
        const [apiVersion, kind] = k.split(' ');
        const file = schemaFileFor(toolchain, apiVersion, kind);
        return file === undefined || !existsSync(file);
      });
      expect(missing).toEqual([]);
    });

    it('renders nothing Argo Rollouts would turn into an invalid Job or ReplicaSet', () => {
      const objects = renderKustomization(kustomization).objects;
      const created = argoCreatedObjects(objects);
      // Counted independently: one Job per job metric of an analysis template.
      const jobMetrics = objects
        .filter((o) => /AnalysisTemplate$/.test(o.kind))
        .flatMap((o) => ((o.spec as Obj).metrics ?? []) as { provider?: Obj }[])
        .filter((m) => m.provider?.job !== undefined).length;
      expect(created.filter((o) => o.kind === 'Job')).toHaveLength(jobMetrics);
      expect(describeFailures(validateObjects(toolchain, created))).toBe('');
    });
  });

  describe('the schemas reject real defects', () => {
    let production: ManifestObject[];

    beforeAll(() => {
      production = renderKustomization('k8s/overlays/production').objects;
    });

    // Each case first shows the untouched object is valid, so the rejection is the mutation's.
    function expectRejected(
      original: ManifestObject,
      mutate: (copy: Obj) => void,
      location: string,
      message: RegExp,
    ): void {
      expect(describeFailures([validateOne(toolchain, original)])).toBe('');
      const copy = clone(original) as Obj;
      mutate(copy);
      const result = validateOne(toolchain, copy);
      expect(result.status).toBe('statusInvalid');
      expect(result.msg).toContain(`at '${location}'`);
      expect(result.msg).toMatch(message);
    }

    it('an unknown field in a container', () => {
      const deployment = find(production, (o) => o.kind === 'Deployment', 'Deployment');
      expectRejected(
        deployment,
        (copy) =>
          Object.assign((podSpec(copy as ManifestObject).containers as Obj[])[0], {
            imagePullPolicyy: 'Always',
          }),
        '/spec/template/spec/containers/0',
        /additional properties 'imagePullPolicyy' not allowed/,
      );
    });

    it('a wrong type in a Job spec', () => {
      const job = find(production, (o) => o.kind === 'Job', 'Job');
      expectRejected(
        job,
        (copy) => Object.assign(copy.spec as Obj, { backoffLimit: 'three' }),
        '/spec/backoffLimit',
        // The field is optional, so null (unset) is the other accepted value.
        /got string, want null or integer/,
      );
    });

    it('an int32 field that overflows (the API server cannot decode it)', () => {
      const job = find(production, (o) => o.kind === 'Job', 'Job');
      expectRejected(
        job,
        (copy) => Object.assign(copy.spec as Obj, { backoffLimit: 2 ** 31 }),
        '/spec/backoffLimit',
        /maximum/,
      );
    });

    it('a container without its required name', () => {
      const job = find(production, (o) => o.kind === 'Job', 'Job');
      expectRejected(
        job,
        (copy) => delete (podSpec(copy as ManifestObject).containers as Obj[])[0].name,
        '/spec/template/spec/containers/0',
        /missing property 'name'/,
      );
    });

    it('a required field set to null', () => {
      const job = find(production, (o) => o.kind === 'Job', 'Job');
      expectRejected(
        job,
        (copy) => Object.assign((podSpec(copy as ManifestObject).containers as Obj[])[0], { name: null }),
        '/spec/template/spec/containers/0/name',
        /got null, want string/,
      );
    });

    it('an unknown field in a Rollout canary step', () => {
      const rollout = find(production, (o) => o.kind === 'Rollout', 'Rollout');
      expectRejected(
        rollout,
        (copy) => {
          const steps = (((copy.spec as Obj).strategy as Obj).canary as Obj).steps as Obj[];
          Object.assign(steps[0], { pauseFor: '1m' });
        },
        '/spec/strategy/canary/steps/0',
        /additional properties 'pauseFor' not allowed/,
      );
    });

    it('an AnalysisTemplate metric with a bad provider field', () => {
      const template = find(production, (o) => o.kind === 'AnalysisTemplate', 'AnalysisTemplate');
      const metrics = (template.spec as Obj).metrics as { provider: Obj }[];
      const index = metrics.findIndex((m) => m.provider.web !== undefined);
      expect(index).toBeGreaterThanOrEqual(0);
      expectRejected(
        template,
        (copy) =>
          Object.assign((((copy.spec as Obj).metrics as Obj[])[index].provider as Obj).web as Obj, {
            jsonpath: '{$.status}',
          }),
        `/spec/metrics/${index}/provider/web`,
        /additional properties 'jsonpath' not allowed/,
      );
    });

    it('an AnalysisTemplate metric with a provider Argo does not have', () => {
      const template = find(production, (o) => o.kind === 'AnalysisTemplate', 'AnalysisTemplate');
      expectRejected(
        template,
        (copy) =>
          Object.assign(((copy.spec as Obj).metrics as Obj[])[0].provider as Obj, {
            curl: { url: 'http://example' },
          }),
        '/spec/metrics/0/provider',
        /additional properties 'curl' not allowed/,
      );
    });

    it('an unknown field in a job metric volume: open in the CRD schema, caught in the Job Argo creates', () => {
      const template = find(production, (o) => o.kind === 'AnalysisTemplate', 'AnalysisTemplate');
      const copy = clone(template) as Obj;
      const metric = ((copy.spec as Obj).metrics as { provider: { job?: { spec: Obj } } }[]).find(
        (m) => m.provider.job,
      );
      if (!metric?.provider.job) throw new Error('the AnalysisTemplate has no job metric');
      const pod = (metric.provider.job.spec.template as Obj).spec as Obj;
      pod.volumes = [...((pod.volumes ?? []) as Obj[]), { name: 'scratch', emptyDirr: {} }];
      // The Argo CRD keeps volumes free-form, so the AnalysisTemplate itself still validates...
      expect(describeFailures([validateOne(toolchain, copy)])).toBe('');
      // ...and only the Job Argo Rollouts would create from the metric is rejected.
      const created = argoCreatedObjects([copy as ManifestObject]);
      const invalid = validateObjects(toolchain, created).filter((r) => r.status !== 'statusValid');
      expect(invalid.map((r) => r.status)).toEqual(['statusInvalid']);
      expect(invalid[0].msg).toMatch(
        /at '\/spec\/template\/spec\/volumes\/\d+'.*additional properties 'emptyDirr' not allowed/,
      );
    });

    it('an unknown field in the metadata of a custom resource', () => {
      const rollout = find(production, (o) => o.kind === 'Rollout', 'Rollout');
      expectRejected(
        rollout,
        (copy) => Object.assign(copy.metadata as Obj, { label: { a: 'b' } }),
        '/metadata',
        /additional properties 'label' not allowed/,
      );
    });

    it('a duplicated key in the YAML', () => {
      const configMap = find(production, (o) => o.kind === 'ConfigMap', 'ConfigMap');
      const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${configMap.metadata.name}\n  name: again\ndata: {}\n`;
      const [result] = validateYaml(toolchain, text);
      expect(result.status).toBe('statusError');
      expect(result.msg).toMatch(/already set in map|duplicate/);
    });

    it('a kind without a schema is an error, never a skip', () => {
      const [result] = validateYaml(
        toolchain,
        'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
      );
      expect(result.status).toBe('statusError');
      expect(result.msg).toBe('could not find schema for Widget');
    });
  });

  describe('the schemas accept what the API server accepts', () => {
    it('int-or-string fields as a number or a name, quantities as numbers, server-defaulted fields left out, optional fields set to null', () => {
      const objects: object[] = [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'by-name' },
          spec: {
            ports: [
              { port: 80, targetPort: 'http' },
              { name: 'b', port: 81, targetPort: 3000 },
            ],
            // "selector:" with nothing after it is null in YAML; the server reads null as unset.
            selector: null,
          },
        },
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'defaults' },
          spec: {
            // onPodConditions[].status is required by the published spec but defaulted to True.
            podFailurePolicy: {
              rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }],
            },
            template: {
              spec: {
                restartPolicy: 'Never',
                nodeSelector: null,
                containers: [
                  { name: 'c', image: 'busybox', resources: { limits: { cpu: 1, memory: '64Mi' } } },
                ],
              },
            },
          },
        },
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          metadata: { name: 'surge' },
          spec: {
            workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' },
            strategy: {
              canary: {
                maxSurge: '25%',
                maxUnavailable: 0,
                steps: [{ setWeight: 10 }, { pause: { duration: 60 } }, { pause: { duration: '1m' } }],
              },
            },
          },
        },
      ];
      expect(describeFailures(validateObjects(toolchain, objects))).toBe('');
    });
  });
});
