// The TLS instance of the local stack (tools/stack/tls-stack.sh, own directory .stack-tls and
// ports): started by a spec when it is not up and stopped again afterwards only by the spec that
// started it (its data is kept, so a later start is warm), as apps/stack-e2e's TLS spec does.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readStackEnv } from '@mch/testing-k8s-harness';
import { WORKSPACE_ROOT } from './harness-stores';

const TLS_STACK = join(WORKSPACE_ROOT, 'tools/stack/tls-stack.sh');

export interface TlsStackHandle {
  /** Its client settings (the file `tls-stack.sh env` names; secrets included, never logged). */
  env: Record<string, string>;
  /** Stops the instance if this handle started it. */
  release(): void;
}

export function acquireTlsStack(): TlsStackHandle {
  const up = () => spawnSync('bash', [TLS_STACK, 'status'], { stdio: 'ignore' }).status === 0;
  const startedHere = !up();
  if (startedHere) {
    const run = spawnSync('bash', [TLS_STACK, 'up'], { cwd: WORKSPACE_ROOT, encoding: 'utf8', timeout: 240_000 });
    if (run.status !== 0) throw new Error(`tls-stack.sh up failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  return {
    env: readStackEnv(WORKSPACE_ROOT, 'tls'),
    release: () => {
      if (startedHere) spawnSync('bash', [TLS_STACK, 'down'], { cwd: WORKSPACE_ROOT, stdio: 'ignore', timeout: 120_000 });
    },
  };
}
