import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { DrainProgress } from './drain-progress';
import { setProcessNice } from './cpu-priority';
import { manifestNodeOptions } from './manifest-node-options';

const ROOT = path.resolve(__dirname, '../..');

/** The Dockerfile's ENTRYPOINT flags: the built entry point runs exactly as in its container. */
const NODE_FLAGS = ['--disable-warning=TimeoutNegativeWarning'];
/** The young generation of a process whose manifest is not named (a one-shot command), as the pods' default. */
const DEFAULT_NODE_OPTIONS = '--max-semi-space-size=8';

/**
 * Every warn/error line any process of the run printed, shown as it happens: a clean run prints
 * none (the issue's bar), so a line here is either a real problem or noise to fix where it is logged.
 */
export class NoiseLog {
  readonly lines: string[] = [];

  add(process: string, line: string): void {
    this.lines.push(`${process}: ${line}`);
    console.log(`   ! ${process}: ${line.length > 400 ? `${line.slice(0, 400)}...` : line}`);
  }
}

/** warn/error/fatal JSON log lines, and anything on stderr that is not a log line (a crash, a Node warning). */
function isNoise(line: string, stream: 'stdout' | 'stderr'): boolean {
  if (line.trim() === '') return false;
  try {
    const parsed = JSON.parse(line) as { level?: unknown };
    if (parsed && typeof parsed === 'object' && 'level' in parsed) return ['warn', 'error', 'fatal', 40, 50, 60].includes(parsed.level as string);
    return false; // a command's JSON result
  } catch {
    return stream === 'stderr' && !line.startsWith('\r');
  }
}

export interface EntryProcess {
  name: string;
  child: ChildProcess;
  /** Base URL when it serves HTTP. */
  url: string | null;
  /** The last 20 kB of its output (logs), for a failure's explanation. */
  output: () => string;
  /** Its stdout lines that are not log lines (a command's result). */
  results: () => string[];
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

/**
 * Runs `node dist/apps/<app>/main.js <args>` (the built entry point, as its pod does) with the
 * given environment; HTTP_PORT set means it serves HTTP on 127.0.0.1. `manifest` (k8s/base/...)
 * adds the NODE_OPTIONS its pod gets there.
 */
export function startEntry(
  name: string,
  app: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  noise: NoiseLog,
  options: { nice?: number; manifest?: string } = {},
): EntryProcess {
  const node = [process.execPath, ...NODE_FLAGS, `dist/apps/${app}/main.js`, ...args];
  // The pod's NODE_OPTIONS (its heap flags) after any the caller set: the later flag wins.
  const heap = options.manifest ? manifestNodeOptions(options.manifest) : DEFAULT_NODE_OPTIONS;
  env = { ...env, NODE_OPTIONS: [env.NODE_OPTIONS, heap].filter(Boolean).join(' ') };
  // Through nice(1) when asked: it execs node, so the pid stays the app's and every thread inherits
  // the value; in a session of its own (detached), whose autogroup gets the same nice (cpu-priority.ts).
  const [command, ...argv] = options.nice === undefined ? node : ['nice', '-n', String(options.nice), ...node];
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.nice !== undefined });
  if (options.nice !== undefined && child.pid !== undefined) setProcessNice(child.pid, options.nice);
  let output = '';
  const results: string[] = [];
  const follow = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    child[stream]?.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      output = (output + text.slice(0, text.length - partial.length)).slice(-20_000);
      for (const line of lines) {
        if (isNoise(line, stream)) noise.add(name, line);
        else if (stream === 'stdout' && line.startsWith('{') && !line.includes('"level"')) results.push(line);
      }
    });
  };
  follow('stdout');
  follow('stderr');
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    name,
    child,
    url: env.HTTP_PORT ? `http://127.0.0.1:${env.HTTP_PORT}` : null,
    output: () => output,
    results: () => results,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, onTimeout: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s\n${onTimeout()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Waits for a backlog to reach zero for as long as it keeps shrinking (DrainProgress: no new low
 * for 2 minutes fails), printing how much is left, the rate and the time to go every 15 s.
 */
export async function waitForDrain(what: string, backlog: () => Promise<number | null>, onStall: () => string, stallMs = 120_000): Promise<void> {
  const progress = new DrainProgress(stallMs, Date.now());
  let reported = Date.now();
  for (;;) {
    try {
      if (progress.observe(await backlog(), Date.now())) return;
    } catch (error) {
      throw new Error(`${what}: ${(error as Error).message}\n${onStall()}`);
    }
    if (Date.now() - reported >= 15_000) {
      reported = Date.now();
      console.log(`   waiting for ${what}: ${progress.describe(reported)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** GET with a short timeout: the status and body, or status 0 when nothing answered. */
export async function httpGet(url: string): Promise<{ status: number; type: string; body: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
  } catch {
    return { status: 0, type: '', body: '' };
  }
}

/** Waits for /health/ready; fails at once with its output when the process exits instead. */
export async function waitReady(service: EntryProcess, timeoutMs = 120_000): Promise<void> {
  await waitUntil(
    `${service.name} ready`,
    async () => {
      if (service.child.exitCode !== null) throw new Error(`${service.name} exited ${service.child.exitCode}\n${service.output().slice(-3_000)}`);
      return (await httpGet(`${service.url}/health/ready`)).status === 200;
    },
    timeoutMs,
    service.output,
  );
}
