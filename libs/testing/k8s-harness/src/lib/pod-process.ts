// One container process of a planned pod: spawned with exactly the planned argv, cwd and
// environment (nothing inherited from the test process), its output kept, stopped the way the
// kubelet stops a container (SIGTERM, SIGKILL after terminationGracePeriodSeconds).
import { spawn, type ChildProcess } from 'node:child_process';
import type { PodPlan } from './pod-plan';

export interface PodExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The container's exit code as Kubernetes reports it: 128 + signal number for a signal. */
export function exitCodeOf(exit: PodExit): number {
  if (exit.code !== null) return exit.code;
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGABRT: 6, SIGSEGV: 11 };
  return 128 + (exit.signal ? (numbers[exit.signal] ?? 0) : 0);
}

export interface PodProcess {
  plan: PodPlan;
  child: ChildProcess;
  /** stdout and stderr interleaved, as `kubectl logs` shows them. */
  output(): string;
  /** stdout alone (a Job's result, where the app prints one). */
  stdout(): string;
  exited: Promise<PodExit>;
  running(): boolean;
  /**
   * SIGTERM, then SIGKILL once terminationGracePeriodSeconds has passed (as the kubelet does).
   * `withinGrace` is false when the process had to be killed.
   */
  terminate(graceSeconds?: number): Promise<PodExit & { seconds: number; withinGrace: boolean }>;
}

export function startProcess(plan: PodPlan): PodProcess {
  const child = spawn(plan.argv[0], plan.argv.slice(1), { cwd: plan.cwd, env: plan.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (stdout.length < 16 * 1024 * 1024) stdout += chunk.toString();
  });
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    // Bounded: a long run keeps its last 4 MB.
    if (output.length > 8 * 1024 * 1024) output = output.slice(-4 * 1024 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<PodExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => {
      output += `\n[harness] spawn failed: ${error.message}\n`;
      resolve({ code: 128, signal: null });
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    plan,
    child,
    output: () => output,
    stdout: () => stdout,
    exited,
    running,
    terminate: async (graceSeconds = plan.terminationGracePeriodSeconds) => {
      const started = Date.now();
      if (!running()) return { ...(await exited), seconds: 0, withinGrace: true };
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, graceSeconds * 1000);
      const exit = await exited;
      clearTimeout(timer);
      return { ...exit, seconds: (Date.now() - started) / 1000, withinGrace: !killed };
    },
  };
}
