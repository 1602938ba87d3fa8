import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const WORKSPACE_ROOT = resolve(__dirname, '../..');

// The same settings CI uses: no daemon (its graph could be stale), no cloud, plain output.
const NX_ENV = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };

function bin(name: string): string {
  return join(WORKSPACE_ROOT, 'node_modules', '.bin', name);
}

/** Project name to the names of the projects it imports (static and implicit edges). */
export type ProjectGraph = Record<string, { tags: string[]; dependsOn: string[] }>;

/**
 * The workspace's project graph as `nx graph` computes it. Also refreshes the cached graph that
 * `@nx/enforce-module-boundaries` reads when ESLint runs outside nx.
 */
export async function readProjectGraph(): Promise<ProjectGraph> {
  const dir = await mkdtemp(join(tmpdir(), 'mch-nx-graph-'));
  try {
    const file = join(dir, 'graph.json');
    await run(bin('nx'), ['graph', `--file=${file}`], { cwd: WORKSPACE_ROOT, env: NX_ENV });
    const { graph } = JSON.parse(await readFile(file, 'utf8')) as {
      graph: {
        nodes: Record<string, { data: { tags?: string[] } }>;
        dependencies: Record<string, { target: string }[]>;
      };
    };
    const projects: ProjectGraph = {};
    for (const [name, node] of Object.entries(graph.nodes)) {
      const targets = (graph.dependencies[name] ?? []).map((d) => d.target).filter((t) => t in graph.nodes);
      projects[name] = { tags: node.data.tags ?? [], dependsOn: [...new Set(targets)].sort() };
    }
    return projects;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The project and every project that depends on it, directly or transitively (reverse edges). */
export function dependentsOf(graph: ProjectGraph, project: string): string[] {
  if (!(project in graph)) throw new Error(`no project named ${project} in the graph`);
  const reverse = new Map<string, string[]>();
  for (const [name, { dependsOn }] of Object.entries(graph)) {
    for (const target of dependsOn) reverse.set(target, [...(reverse.get(target) ?? []), name]);
  }
  const seen = new Set([project]);
  const queue = [project];
  while (queue.length > 0) {
    for (const dependent of reverse.get(queue.shift() as string) ?? []) {
      if (!seen.has(dependent)) {
        seen.add(dependent);
        queue.push(dependent);
      }
    }
  }
  return [...seen].sort();
}

/** What `nx show projects --affected --files=<file>` selects (no git base needed with --files). */
export async function affectedBy(file: string): Promise<string[]> {
  const { stdout } = await run(bin('nx'), ['show', 'projects', '--affected', `--files=${file}`, '--json'], {
    cwd: WORKSPACE_ROOT,
    env: NX_ENV,
  });
  return (JSON.parse(stdout) as string[]).sort();
}

export interface LintMessage {
  ruleId: string | null;
  /** The message's first line. */
  message: string;
}

/**
 * Lints `source` with the workspace's ESLint CLI and config as if it were the file `path` (relative to
 * the workspace), read from stdin: nothing is written into the lib, so lint or typecheck tasks running
 * beside this test (`nx affected -t lint typecheck test` runs them in parallel) never see the probe.
 */
export async function lintAs(path: string, source: string): Promise<LintMessage[]> {
  const child = execFile(bin('eslint'), ['--stdin', '--stdin-filename', path, '--format', 'json'], {
    cwd: WORKSPACE_ROOT,
    env: NX_ENV,
    maxBuffer: 16 * 1024 * 1024,
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: string) => (stdout += d));
    child.stderr?.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
  child.stdin?.end(source);
  const { code, stdout, stderr } = await done;
  // 0: clean, 1: lint errors; anything else is ESLint itself failing.
  if (code !== 0 && code !== 1) throw new Error(`eslint exited ${code}: ${stderr || stdout}`);
  let results: { messages: LintMessage[] }[];
  try {
    results = JSON.parse(stdout) as { messages: LintMessage[] }[];
  } catch {
    // e.g. the boundary rule printing that it found no cached project graph and skipped itself.
    throw new Error(`eslint printed something other than its JSON report:\n${stdout}${stderr}`);
  }
  const [result] = results;
  // First lines only: the rule appends the chain of files that closes a cycle, which moves with the code.
  return result.messages.map(({ ruleId, message }) => ({ ruleId, message: message.split('\n')[0] }));
}
