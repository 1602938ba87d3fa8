import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WORKSPACE_ROOT } from '@mch/testing-stack';

export const FAULT_STACK = path.join(WORKSPACE_ROOT, 'tools/stack/fault-stack.sh');
export type Store = 'postgres' | 'kafka' | 'clickhouse' | 'weaviate';

export function faultStackIsUp(): boolean {
  return spawnSync('bash', [FAULT_STACK, 'status'], { stdio: 'ignore' }).status === 0;
}

/** The fault stack's client settings (the `export K=V` lines of its stack.env). */
export function faultStackEnv(): Record<string, string> {
  const file = execFileSync('bash', [FAULT_STACK, 'env'], { encoding: 'utf8' }).trim();
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2];
  }
  return env;
}

/** Stops or starts one store of the fault stack (never the default stack) through its script. */
export function faultStack(command: 'up' | 'down', store: Store): void {
  const result = spawnSync('bash', [FAULT_STACK, command, store], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`fault-stack.sh ${command} ${store} failed:\n${result.stderr}`);
}

/** What the fault stack's script says runs where, for a failure message. */
export function faultStackStatus(): string {
  const result = spawnSync('bash', [FAULT_STACK, 'status'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim();
}
