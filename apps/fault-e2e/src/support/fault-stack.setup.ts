import { spawnSync } from 'node:child_process';
import { FAULT_STACK, faultStackEnv, faultStackIsUp } from './fault-stack';

// Every spec of this project runs against the fault stack instance: brought up here when it is not
// (a cold start takes about a minute; its data is kept, so later runs start warm) and left running.
// Its settings replace the default stack's in this process, so every client and every service
// process started from here talks to the fault stack only.
if (!faultStackIsUp()) {
  const up = spawnSync('bash', [FAULT_STACK, 'up'], { encoding: 'utf8', timeout: 300_000 });
  if (up.status !== 0) throw new Error(`fault-stack.sh up failed:\n${up.stderr}${up.stdout}`);
}
Object.assign(process.env, faultStackEnv());
