// A Deployment's or Rollout's pod: the process plus the kubelet's probe workers, evaluated exactly
// as declared (httpGet path and port, named or numbered; initialDelaySeconds, periodSeconds,
// timeoutSeconds, failureThreshold, successThreshold; liveness and readiness only after the
// startup probe succeeded). A failed startup or liveness probe is what makes a kubelet kill and
// restart the container: recorded as an event and the process is terminated (no restart here).
import type { K8sObject, PodTemplate, Probe } from './k8s-types';
import { planPod, type HarnessContext, type PlanOptions, type PodPlan } from './pod-plan';
import { startProcess, type PodProcess } from './pod-process';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

export interface ProbeEvent {
  at: number;
  kind: ProbeKind;
  ok: boolean;
  detail: string;
}

export interface LongRunningPod {
  plan: PodPlan;
  process: PodProcess;
  /** http://127.0.0.1:<host port> of a pod port (number or name). */
  url(port: number | string): string;
  started(): boolean;
  ready(): boolean;
  events: ProbeEvent[];
  /** Why the kubelet would have killed the container, if it would have. */
  killedBy(): string | undefined;
  waitUntil(state: 'ready' | 'unready', timeoutMs: number): Promise<void>;
  stop(): ReturnType<PodProcess['terminate']>;
}

/** The host port a probe or client reaches for a pod port given by number or by name. */
export function hostPortOf(plan: PodPlan, port: number | string): number {
  let podPort: number | undefined;
  if (typeof port === 'number' || /^\d+$/.test(port)) podPort = Number(port);
  else podPort = plan.container.ports?.find((p) => p.name === port)?.containerPort;
  if (podPort === undefined) throw new Error(`container ${plan.container.name} declares no port named '${port}'`);
  const host = plan.ports.get(podPort);
  if (host === undefined) throw new Error(`port ${podPort} is neither a containerPort of ${plan.container.name} nor a port its image exposes`);
  return host;
}

async function probeOnce(plan: PodPlan, probe: Probe): Promise<{ ok: boolean; detail: string }> {
  if (!probe.httpGet) return { ok: false, detail: `probe handler ${Object.keys(probe).join(',')} is not supported by the harness (httpGet only)` };
  let port: number;
  try {
    port = hostPortOf(plan, probe.httpGet.port);
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
  const url = `http://127.0.0.1:${port}${probe.httpGet.path ?? '/'}`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout((probe.timeoutSeconds ?? 1) * 1000), redirect: 'manual' });
    await response.arrayBuffer().catch(() => undefined);
    // The kubelet: 200 <= status < 400 is success.
    return { ok: response.status >= 200 && response.status < 400, detail: `GET ${probe.httpGet.path} -> ${response.status}` };
  } catch (error) {
    return { ok: false, detail: `GET ${probe.httpGet.path}: ${(error as Error).message}` };
  }
}

export async function startLongRunningPod(ctx: HarnessContext, workload: K8sObject, template: PodTemplate, options: PlanOptions = {}): Promise<LongRunningPod> {
  const labels = { 'pod-template-hash': 'harness', ...(workload.kind === 'Rollout' ? { 'rollouts-pod-template-hash': 'harness' } : {}), ...(options.labels ?? {}) };
  const plan = await planPod(ctx, workload, template, { ...options, labels });
  const { startupProbe, readinessProbe, livenessProbe } = plan.container;
  const proc = startProcess(plan);
  const events: ProbeEvent[] = [];
  let started = !startupProbe;
  // No readiness probe: ready as soon as started (Kubernetes' default).
  let ready = !readinessProbe && started;
  let killedBy: string | undefined;
  const timers: NodeJS.Timeout[] = [];

  const worker = (kind: ProbeKind, probe: Probe | undefined) => {
    if (!probe) return;
    let failures = 0;
    let successes = 0;
    const period = (probe.periodSeconds ?? 10) * 1000;
    const tick = async () => {
      if (!proc.running() || killedBy) return;
      if (kind !== 'startup' && !started) return schedule(period);
      if (kind === 'startup' && started) return;
      const result = await probeOnce(plan, probe);
      events.push({ at: Date.now(), kind, ...result });
      if (result.ok) {
        failures = 0;
        successes++;
        if (successes >= (probe.successThreshold ?? 1)) {
          if (kind === 'startup') {
            started = true;
            if (!readinessProbe) ready = true;
          }
          if (kind === 'readiness') ready = true;
        }
      } else {
        successes = 0;
        failures++;
        if (failures >= (probe.failureThreshold ?? 3)) {
          if (kind === 'readiness') ready = false;
          else {
            killedBy = `${kind} probe failed ${failures} times (${result.detail})`;
            ready = false;
            void proc.terminate();
            return;
          }
        }
      }
      schedule(period);
    };
    const schedule = (ms: number) => {
      timers.push(setTimeout(() => void tick(), ms));
    };
    schedule((probe.initialDelaySeconds ?? 0) * 1000);
  };
  worker('startup', startupProbe);
  worker('readiness', readinessProbe);
  worker('liveness', livenessProbe);
  void proc.exited.then(() => {
    ready = false;
    for (const t of timers) clearTimeout(t);
  });

  return {
    plan,
    process: proc,
    url: (port) => `http://127.0.0.1:${hostPortOf(plan, port)}`,
    started: () => started,
    ready: () => ready,
    events,
    killedBy: () => killedBy,
    waitUntil: async (state, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (state === 'ready' && ready) return;
        if (state === 'unready' && !ready) return;
        if (!proc.running()) throw new Error(`pod ${plan.podName} exited (${JSON.stringify(await proc.exited)}) before it was ${state}${killedBy ? `; ${killedBy}` : ''}\n${proc.output().split('\n').slice(-20).join('\n')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const last = events.slice(-5).map((e) => `${e.kind} ${e.ok ? 'ok' : 'FAIL'} ${e.detail}`).join('; ');
      throw new Error(`pod ${plan.podName} not ${state} after ${timeoutMs} ms (last probes: ${last || 'none'})\n${proc.output().split('\n').slice(-20).join('\n')}`);
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      return proc.terminate();
    },
  };
}
