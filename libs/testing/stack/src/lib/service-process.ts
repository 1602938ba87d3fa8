import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../../../../..');

/**
 * The API token the services under test get (API_TOKEN) and the specs send: made per run, so no
 * spec depends on, or could leak, the stack's own token.
 */
export const TEST_API_TOKEN = randomBytes(24).toString('hex');
export const bearer = (token = TEST_API_TOKEN) => ({ authorization: `Bearer ${token}` });

export interface ServiceProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

/** Starts an app the way its container does (its own process, config from the environment). */
export function startService(name: string, port: number, env: NodeJS.ProcessEnv = process.env): ServiceProcess {
  const child = spawn(
    process.execPath,
    ['-r', './tools/scripts/register.js', `apps/${name}/src/main.ts`],
    {
      cwd: WORKSPACE_ROOT,
      env: { ...env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1', LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export async function httpStatus(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}

/** Waits for /health/ready, failing at once (with its output) if the service exits instead. */
export function waitReady(service: ServiceProcess, timeoutMs = 180_000): Promise<void> {
  return waitFor(
    `${service.name} ready`,
    async () => {
      if (service.child.exitCode !== null)
        throw new Error(
          `${service.name} exited ${service.child.exitCode}:\n${service.output().slice(-3_000)}`,
        );
      return (await httpStatus(`${service.url}/health/ready`)).status === 200;
    },
    timeoutMs,
  );
}

export async function waitFor(what: string, predicate: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface EntryResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs an entry point (a Job or CLI) to its end, as its container would. */
export function runEntry(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<EntryResult> {
  const child = spawn(process.execPath, ['-r', './tools/scripts/register.js', entry, ...args], {
    cwd: WORKSPACE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}
