import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** chDB release the modern-DDL tests run on (ClickHouse 26.x inside); bump to test a newer engine. */
export const CHDB_VERSION = '4.4.0';
const SCRIPT = path.join(__dirname, '../../chdb/run_chdb.py');

export interface ChdbStep {
  sql: string;
  mayFail?: boolean;
}
export interface ChdbResult {
  version: string;
  results: ({ ok: true; rows: Record<string, unknown>[] } | { ok: false; error: string })[];
}

function cacheDir(): string {
  return path.join(process.env.MCH_CACHE_DIR ?? path.join(os.homedir(), '.cache/medcontracthub'), `chdb-${CHDB_VERSION}`);
}

function python(args: string[], input?: string, extraPath?: string) {
  return spawnSync(process.env.PYTHON ?? 'python3', args, {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
    env: { ...process.env, ...(extraPath ? { PYTHONPATH: extraPath } : {}) },
  });
}

/**
 * Makes chDB importable, installing it from PyPI into the project's cache on first use. Never
 * skips: when it cannot be installed the error says why, and the test calling it fails.
 */
export function ensureChdb(): string {
  const dir = cacheDir();
  if (existsSync(dir) && python(['-c', 'import chdb'], undefined, dir).status === 0) return dir;
  const install = python(['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--upgrade', '--target', dir, `chdb==${CHDB_VERSION}`]);
  if (install.status !== 0) {
    throw new Error(`chdb ${CHDB_VERSION} could not be installed with pip into ${dir}: ${install.error?.message ?? ''} ${install.stderr ?? ''}`.trim());
  }
  const check = python(['-c', 'import chdb'], undefined, dir);
  if (check.status !== 0) throw new Error(`chdb ${CHDB_VERSION} was installed into ${dir} but does not import: ${check.stderr}`);
  return dir;
}

/** Runs the steps in a fresh chDB session (a temporary directory) and returns each step's rows. */
export function runChdb(steps: ChdbStep[]): ChdbResult {
  const dir = ensureChdb();
  const run = python([SCRIPT], JSON.stringify({ steps }), dir);
  if (run.status !== 0) throw new Error(`chdb run failed (exit ${run.status}): ${run.error?.message ?? ''} ${run.stderr}`);
  return JSON.parse(run.stdout) as ChdbResult;
}
