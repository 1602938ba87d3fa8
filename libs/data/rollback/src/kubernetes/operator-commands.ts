import { TOOLKIT_WORKLOADS } from './toolkit-workloads';
import { CONSUMER_APPS, type KubernetesMark } from './workload-state';

export const NO_CLUSTER = 'kubernetes: no cluster configured: Kubernetes actions not taken, store side only';

/**
 * Without a cluster the plan lists, in the rollback-all order, the commands an operator runs by hand
 * around `rollback apply` (the same steps the participant takes with a cluster). With a restore
 * point marked on a cluster, the image commands pin its recorded images; otherwise they undo to the
 * previous revision (kubectl rollout undo / kubectl argo rollouts undo).
 */
export function operatorCommands(namespace: string, mark: KubernetesMark | undefined, pointName: string | undefined): string[] {
  const k = `kubectl -n ${namespace}`;
  const deployments = TOOLKIT_WORKLOADS.filter((w) => w.kind === 'Deployment').map((w) => w.name);
  const rollouts = TOOLKIT_WORKLOADS.filter((w) => w.kind === 'Rollout').map((w) => w.name);
  // A Deployment that is a Rollout's template (same name here) is rolled back through the Rollout.
  const plainDeployments = deployments.filter((d) => !rollouts.includes(d));
  const jobs = TOOLKIT_WORKLOADS.filter((w) => w.kind === 'Job').map((w) => w.name);
  const consumers = plainDeployments.filter((d) => CONSUMER_APPS.includes(d));
  const before = 'kubernetes, by hand before apply (phase 10):';
  const after = 'kubernetes, by hand after apply (phase 60):';
  const last = 'kubernetes, by hand last (phase 70):';
  const suspend = (value: boolean) => `--type=merge -p '{"spec":{"suspend":${value}}}'`;
  const lines = [
    NO_CLUSTER,
    `${before} ${k} scale ${consumers.map((d) => `deploy/${d}`).join(' ')} --replicas=0   # note each one's replicas first`,
    `${before} for j in ${jobs.filter((j) => j !== 'schema-migrate').join(' ')}; do ${k} patch job "$j" ${suspend(true)}; done   # note which were running`,
  ];
  const recorded = mark?.configured ? mark.workloads : undefined;
  if (recorded) {
    for (const w of recorded.filter((r) => r.kind !== 'Job' && r.containers.length > 0)) {
      const set = w.containers.map((c) => `${c.name}=${c.image}`).join(' ');
      const owner = recorded.find((r) => r.kind === 'Rollout' && r.templateFrom === w.name);
      lines.push(
        owner
          ? `${after} kubectl argo rollouts -n ${namespace} set image ${owner.name} ${set}   # restore point ${pointName}`
          : `${after} ${k} set image deploy/${w.name} ${set}   # restore point ${pointName}`,
      );
    }
  } else {
    for (const r of rollouts) lines.push(`${after} kubectl argo rollouts -n ${namespace} undo ${r}   # previous revision`);
    for (const d of plainDeployments) lines.push(`${after} ${k} rollout undo deploy/${d}   # previous revision`);
  }
  lines.push(
    `${after} ${k} delete job ${jobs.join(' ')}; then kubectl apply -k k8s/overlays/<env> with the ${recorded ? `images of restore point ${pointName}` : 'previous release’s images'} in its images: (Jobs come back suspended)`,
    `${last} ${consumers.map((d) => `${k} scale deploy/${d} --replicas=<its replicas before>`).join('; ')}`,
    `${last} ${k} patch job <each Job that was running> ${suspend(false)}`,
  );
  return lines;
}
