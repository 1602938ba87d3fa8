// A Job run the way the Job controller runs it, without the cluster: completions (Indexed: one pod
// per completion index, the index in the pod's annotation, label and JOB_COMPLETION_INDEX),
// parallelism, retries per backoffLimit / backoffLimitPerIndex, podFailurePolicy's FailJob on exit
// codes, activeDeadlineSeconds as the bound of the whole Job. Not modelled: the back-off delay
// between retries (retried at once), suspend (a suspended Job is run as if resumed).
import type { JobSpec, K8sObject } from './k8s-types';
import { planPod, podNameFor, type HarnessContext, type PlanOptions } from './pod-plan';
import { startProcess, type PodExit } from './pod-process';

export interface JobPodResult extends PodExit {
  index?: number;
  attempt: number;
  podName: string;
  imageArgv: string[];
  output: string;
  stdout: string;
  seconds: number;
  /** Set when the pod never started (CreateContainerConfigError, no entry file…). */
  startError?: string;
}

export interface JobResult {
  name: string;
  succeeded: boolean;
  /** Complete, or the failure reason the Job's status would carry. */
  reason: 'Complete' | 'BackoffLimitExceeded' | 'FailedIndexes' | 'DeadlineExceeded' | 'PodFailurePolicy';
  pods: JobPodResult[];
  seconds: number;
  /** Failed pod summaries, for assertion messages. */
  summary(): string;
}

export interface RunJobOptions extends Pick<PlanOptions, 'endpoints'> {
  /** Bound for this run below activeDeadlineSeconds (tests cannot wait hours); the smaller applies. */
  maxSeconds?: number;
}

interface FailurePolicyRule {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
}

function policyAction(job: K8sObject, container: string, code: number | null): FailurePolicyRule['action'] | undefined {
  const rules = ((job.spec as { podFailurePolicy?: { rules?: FailurePolicyRule[] } }).podFailurePolicy?.rules ?? []) as FailurePolicyRule[];
  for (const rule of rules) {
    const on = rule.onExitCodes;
    if (!on || code === null) continue;
    if (on.containerName && on.containerName !== container) continue;
    const inValues = on.values.includes(code);
    if ((on.operator === 'In' && inValues) || (on.operator === 'NotIn' && !inValues)) return rule.action;
  }
  return undefined;
}

export async function runJob(ctx: HarnessContext, job: K8sObject, options: RunJobOptions = {}): Promise<JobResult> {
  const spec = job.spec as JobSpec;
  const started = Date.now();
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? 1;
  const parallelism = Math.max(1, spec.parallelism ?? 1);
  const deadlineSeconds = Math.min(spec.activeDeadlineSeconds ?? Infinity, options.maxSeconds ?? Infinity);
  const deadline = Number.isFinite(deadlineSeconds) ? started + deadlineSeconds * 1000 : Infinity;
  const pods: JobPodResult[] = [];
  const running = new Set<ReturnType<typeof startProcess>>();
  let stopReason: JobResult['reason'] | undefined;
  let totalFailures = 0;
  const failuresPerIndex = new Map<number, number>();
  const failedIndexes = new Set<number>();
  const deadlineTimer = Number.isFinite(deadline)
    ? setTimeout(() => {
        stopReason ??= 'DeadlineExceeded';
        for (const p of running) void p.terminate();
      }, deadline - started)
    : undefined;

  const runOne = async (index: number | undefined, attempt: number): Promise<boolean> => {
    const labels: Record<string, string> = { 'batch.kubernetes.io/job-name': job.metadata.name, 'job-name': job.metadata.name };
    const annotations: Record<string, string> = {};
    const controllerEnv = [];
    if (index !== undefined) {
      labels['batch.kubernetes.io/job-completion-index'] = String(index);
      annotations['batch.kubernetes.io/job-completion-index'] = String(index);
      const container = spec.template.spec.containers[0];
      if (!(container.env ?? []).some((e) => e.name === 'JOB_COMPLETION_INDEX')) {
        controllerEnv.push({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
      }
    }
    const podName = podNameFor(job, spec.template, index);
    const t0 = Date.now();
    let plan;
    try {
      plan = await planPod(ctx, job, spec.template, { labels, annotations, controllerEnv, podName, endpoints: options.endpoints });
    } catch (error) {
      // A pod that cannot start stays Pending (CreateContainerConfigError) or fails: either way the
      // Job does not complete. Reported as a failed pod that never ran.
      pods.push({ index, attempt, podName, imageArgv: [], output: '', stdout: '', seconds: 0, code: null, signal: null, startError: (error as Error).message });
      return false;
    }
    const proc = startProcess(plan);
    running.add(proc);
    const exit = await proc.exited;
    running.delete(proc);
    pods.push({ index, attempt, podName, imageArgv: plan.imageArgv, output: proc.output(), stdout: proc.stdout(), seconds: (Date.now() - t0) / 1000, ...exit });
    if (exit.code === 0) return true;
    const action = policyAction(job, plan.container.name, exit.code);
    if (action === 'FailJob') stopReason ??= 'PodFailurePolicy';
    if (action === 'Ignore') return runOne(index, attempt + 1);
    return false;
  };

  const retrying = async (index: number | undefined): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (stopReason) return;
      if (await runOne(index, attempt)) return;
      if (stopReason) return;
      if (pods[pods.length - 1]?.startError) {
        stopReason = 'BackoffLimitExceeded';
        return;
      }
      totalFailures++;
      if (index !== undefined && spec.backoffLimitPerIndex !== undefined) {
        const n = (failuresPerIndex.get(index) ?? 0) + 1;
        failuresPerIndex.set(index, n);
        if (n > spec.backoffLimitPerIndex) {
          failedIndexes.add(index);
          return;
        }
      } else if (totalFailures > (spec.backoffLimit ?? 6)) {
        stopReason = 'BackoffLimitExceeded';
        return;
      }
    }
  };

  const work: (number | undefined)[] = indexed ? Array.from({ length: completions }, (_, i) => i) : Array.from({ length: completions }, () => undefined);
  const workers = Array.from({ length: Math.min(parallelism, work.length) }, async () => {
    while (work.length > 0 && !stopReason) await retrying(work.shift());
  });
  await Promise.all(workers);
  if (deadlineTimer) clearTimeout(deadlineTimer);
  const reason: JobResult['reason'] = stopReason ?? (failedIndexes.size > 0 ? 'FailedIndexes' : 'Complete');
  return {
    name: job.metadata.name,
    succeeded: reason === 'Complete',
    reason,
    pods,
    seconds: (Date.now() - started) / 1000,
    summary: () =>
      `Job ${job.metadata.name}: ${reason} after ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
      pods
        .filter((p) => p.code !== 0)
        .map((p) => `  pod ${p.podName} (index ${p.index ?? '-'}, attempt ${p.attempt}): ${p.startError ?? `exit ${p.code} ${p.signal ?? ''}\n${p.output.split('\n').slice(-15).join('\n')}`}`)
        .join('\n'),
  };
}
