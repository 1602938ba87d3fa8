import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const K8S_BASE = path.resolve(__dirname, '../../k8s/base');

interface Workload {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
}

/**
 * The NODE_OPTIONS a workload's container gets in its manifest (k8s/base/<file>; the first
 * workload there, or the one named), so a process the demo or a bench starts runs under the heap
 * cap its pod has: a peak RSS measured without it is not the deployed process's.
 */
export function manifestNodeOptions(file: string, name?: string): string {
  const docs = parseAllDocuments(readFileSync(path.join(K8S_BASE, file), 'utf8')).map((d) => d.toJS() as Workload | null);
  for (const doc of docs) {
    if (!doc?.spec?.template?.spec?.containers || (name !== undefined && doc.metadata?.name !== name)) continue;
    for (const container of doc.spec.template.spec.containers) {
      const value = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
      if (value) return value;
    }
  }
  throw new Error(`k8s/base/${file}${name ? ` (${name})` : ''}: no container sets NODE_OPTIONS`);
}
