import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WORKSPACE_ROOT } from './service-process';

export const TLS_STACK = path.join(WORKSPACE_ROOT, 'tools/stack/tls-stack.sh');

/** The stack's client settings (`export K=V` lines of its stack.env). */
export function tlsStackEnv(): Record<string, string> {
  const file = execFileSync('bash', [TLS_STACK, 'env'], { encoding: 'utf8' }).trim();
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2];
  }
  return env;
}

export function tlsStackDir(): string {
  return path.dirname(execFileSync('bash', [TLS_STACK, 'env'], { encoding: 'utf8' }).trim());
}

export function tlsStackIsUp(): boolean {
  return spawnSync('bash', [TLS_STACK, 'status'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs `tls-stack.sh up` under `strace -f -e trace=execve`, so every command it runs (initdb,
 * psql, the Kafka storage format, curl, the servers themselves) is recorded with its full argv.
 * strace would follow the started servers forever, so it is killed (the kernel detaches them)
 * once stack.sh reports the outcome.
 */
export async function upUnderStrace(
  traceFile: string,
  timeoutMs: number,
): Promise<{ ok: boolean; output: string }> {
  const child = spawn(
    'strace',
    ['-f', '-qq', '-e', 'trace=execve', '-s', '65536', '-o', traceFile, 'bash', TLS_STACK, 'up'],
    {
      cwd: WORKSPACE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let done = false;
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Give stack.sh a moment to exit before strace lets go of it and the servers.
      setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ ok, output });
      }, 500);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('[stack] client settings:')) finish(true);
      else if (/FAILED to start|\[stack\] error:/.test(output)) finish(false);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => finish(code === 0 && output.includes('client settings')));
  });
}
