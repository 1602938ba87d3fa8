import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');

/** Builds each app the way the Dockerfile's build stage does (tools/scripts/build-app.js); returns what was built. */
export async function buildApps(apps: readonly string[]): Promise<string> {
  const started = Date.now();
  await Promise.all(apps.map((app) => promisify(execFile)(process.execPath, ['tools/scripts/build-app.js', app], { cwd: ROOT })));
  return `${apps.map((a) => `dist/apps/${a}/main.js`).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`;
}
