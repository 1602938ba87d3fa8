// A kustomization rendered by kubectl's built-in kustomize, indexed by what the harness runs:
// ConfigMaps (Secrets are never in the repository: the harness supplies them), Jobs, Deployments,
// Rollouts (pod template from their workloadRef Deployment) and AnalysisTemplates.
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import type { K8sObject, PodTemplate } from './k8s-types';

export class RenderError extends Error {}

export interface RenderedOverlay {
  readonly path: string;
  readonly namespace: string;
  readonly objects: K8sObject[];
  configMap(name: string): Record<string, string> | undefined;
  find(kind: string, name: string): K8sObject | undefined;
  all(kind: string): K8sObject[];
}

/** `kubectl kustomize <path>`, every document parsed. */
export function renderOverlay(path: string, cwd: string): RenderedOverlay {
  const run = spawnSync('kubectl', ['kustomize', path], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new RenderError(`kubectl kustomize ${path} could not start: ${run.error.message}`);
  if (run.status !== 0) throw new RenderError(`kubectl kustomize ${path} failed (exit ${run.status}): ${run.stderr.trim()}`);
  return overlayOf(path, run.stdout);
}

/** Indexes already rendered YAML (also used on an in-memory mutation of a rendering). */
export function overlayOf(path: string, yamlText: string): RenderedOverlay {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new RenderError(`${path}: ${doc.errors[0].message}`);
    const value = doc.toJSON() as K8sObject | null;
    if (value) objects.push(value);
  }
  return overlayFromObjects(path, objects);
}

export function overlayFromObjects(path: string, objects: K8sObject[]): RenderedOverlay {
  const namespaces = new Set(objects.map((o) => o.metadata?.namespace).filter((n): n is string => !!n));
  if (namespaces.size > 1) throw new RenderError(`${path} renders objects into ${namespaces.size} namespaces: ${[...namespaces].join(', ')}`);
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  return {
    path,
    namespace: [...namespaces][0] ?? 'default',
    objects,
    find,
    all: (kind) => objects.filter((o) => o.kind === kind),
    configMap: (name) => {
      const cm = find('ConfigMap', name);
      return cm ? ((cm as unknown as { data?: Record<string, string> }).data ?? {}) : undefined;
    },
  };
}

/**
 * The pod template a workload runs: a Job's or Deployment's `spec.template`, a Rollout's own
 * template or, with `workloadRef`, the referenced Deployment's (as the Argo Rollouts controller does).
 */
export function podTemplateOf(overlay: RenderedOverlay, workload: K8sObject): PodTemplate {
  const spec = (workload as { spec?: Record<string, unknown> }).spec ?? {};
  if (workload.kind === 'Rollout' && !spec.template) {
    const ref = spec.workloadRef as { kind?: string; name?: string } | undefined;
    if (!ref?.name) throw new RenderError(`Rollout ${workload.metadata.name} has neither template nor workloadRef`);
    const target = overlay.find(ref.kind ?? 'Deployment', ref.name);
    if (!target) throw new RenderError(`Rollout ${workload.metadata.name}: workloadRef ${ref.kind}/${ref.name} is not rendered`);
    return podTemplateOf(overlay, target);
  }
  const template = spec.template as PodTemplate | undefined;
  if (!template?.spec?.containers?.length) throw new RenderError(`${workload.kind} ${workload.metadata.name} has no pod template with containers`);
  return template;
}
