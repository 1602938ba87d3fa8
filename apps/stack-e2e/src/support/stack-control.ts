import { spawnSync } from 'node:child_process';
import { WORKSPACE_ROOT } from './service-process';

export type Store = 'postgres' | 'kafka' | 'clickhouse' | 'weaviate';

/** Stops or starts one real store of the local stack through the stack script itself. */
export function stack(command: 'up' | 'down', store: Store): void {
  const result = spawnSync('bash', ['tools/stack/stack.sh', command, store], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`stack.sh ${command} ${store} failed:\n${result.stderr}`);
}

/** What the stack script says runs where, for a failure message. */
export function stackStatus(): string {
  const result = spawnSync('bash', ['tools/stack/stack.sh', 'status'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim();
}
