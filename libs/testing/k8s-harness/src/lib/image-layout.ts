// An image's filesystem without a container runtime: the app's real build (the build stage's
// `node tools/scripts/build-app.js <app>`) in a private build tree, then every `COPY --from` of the
// final stage placed under a root directory standing for the image's `/`.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { parseDockerfile, type ImageConfig } from './dockerfile';

export class ImageError extends Error {}

export interface ImageLayout {
  app: string;
  /** Stands for the image's `/`: an absolute image path p is `${rootfs}${p}` here. */
  rootfs: string;
  config: ImageConfig;
  /** Translates an image path into this layout (unchanged when it is not inside a copied path). */
  hostPath(imagePath: string): string;
}

/** Top-level entries of the build context the build stage's `COPY . .` brings in (see .dockerignore). */
const BUILD_CONTEXT = ['apps', 'libs', 'tsconfig.base.json', 'package.json', 'package-lock.json', 'node_modules'];

let workRoot: string | undefined;
const built = new Map<string, ImageLayout>();

/** The harness's private temp root (builds, pods' materialised volumes), removed at process exit. */
export function harnessDir(): string {
  if (!workRoot) {
    workRoot = mkdtempSync(join(tmpdir(), 'mch-k8s-harness-'));
    const root = workRoot;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  return workRoot;
}

/**
 * The build tree: a copy of tools/scripts/build-app.js (a real file, so its `../..` is this tree and
 * its output lands here, not in the shared workspace's dist/) beside symlinks to the sources.
 */
function buildTree(workspace: string): string {
  const tree = join(harnessDir(), 'build');
  if (!existsSync(tree)) {
    mkdirSync(join(tree, 'tools/scripts'), { recursive: true });
    copyFileSync(join(workspace, 'tools/scripts/build-app.js'), join(tree, 'tools/scripts/build-app.js'));
    for (const entry of BUILD_CONTEXT) symlinkSync(join(workspace, entry), join(tree, entry));
  }
  return tree;
}

/**
 * Stands for the Dockerfile's `model` stage (its WORKDIR): `models/minilm` for the inference image,
 * laid out by the same tools/stack/minilm.sh the stage runs (cached, so no download here), and an
 * empty `models` for every other app, as the stage leaves it.
 */
function modelStage(workspace: string, app: string): string {
  const root = join(harnessDir(), 'model-stage', app);
  const models = join(root, 'models');
  if (!existsSync(models)) {
    mkdirSync(models, { recursive: true });
    if (app === 'inference') {
      const dir = execFileSync('bash', [join(workspace, 'tools/stack/minilm.sh'), 'path'], { encoding: 'utf8' }).trim();
      symlinkSync(dir, join(models, 'minilm'));
    }
  }
  return root;
}

/**
 * Lays out the image `medcontracthub/<app>` as the Dockerfile's final stage would (built once per
 * app and process). The prod-deps stage's `node_modules` is the workspace's (development packages
 * included: no second `npm ci` here); that is the one difference from the image.
 */
export function imageLayout(workspace: string, app: string, dockerfile = 'Dockerfile'): ImageLayout {
  const cached = built.get(app);
  if (cached) return cached;
  const config = parseDockerfile(readFileSync(join(workspace, dockerfile), 'utf8'), { APP: app });
  const tree = buildTree(workspace);
  const build = spawnSync(process.execPath, [join(tree, 'tools/scripts/build-app.js'), app], { cwd: tree, encoding: 'utf8' });
  if (build.status !== 0) throw new ImageError(`build of ${app} failed (exit ${build.status}): ${(build.stderr || build.stdout).trim()}`);
  const rootfs = join(harnessDir(), 'images', app);
  mkdirSync(rootfs, { recursive: true });
  for (const copy of config.copies) {
    if (!copy.from) throw new ImageError(`COPY ${copy.sources.join(' ')} without --from: the harness maps only stage outputs`);
    const stageWorkdir = config.stageWorkdirs[copy.from];
    if (stageWorkdir === undefined) throw new ImageError(`COPY --from=${copy.from}: no such stage`);
    for (const source of copy.sources) {
      const absolute = source.startsWith('/') ? source : posix.join(stageWorkdir, source);
      if (!absolute.startsWith(`${stageWorkdir}/`)) throw new ImageError(`COPY --from=${copy.from} ${source}: outside the stage's WORKDIR ${stageWorkdir}`);
      const stageRoot = copy.from === 'model' ? modelStage(workspace, app) : tree;
      const inTree = join(stageRoot, absolute.slice(stageWorkdir.length + 1));
      if (!existsSync(inTree)) throw new ImageError(`COPY --from=${copy.from} ${source}: ${inTree} does not exist after the build`);
      const target = join(rootfs, copy.dest);
      mkdirSync(dirname(target), { recursive: true });
      // node_modules is large and read-only in the image: a symlink stands for the copy.
      if (absolute.endsWith('/node_modules')) symlinkSync(join(workspace, 'node_modules'), target);
      else cpSync(inTree, target, { recursive: true, dereference: true });
    }
  }
  const layout: ImageLayout = {
    app,
    rootfs,
    config,
    hostPath: (imagePath) => {
      if (!imagePath.startsWith('/')) return imagePath;
      const inside = config.copies.some((c) => imagePath === c.dest || imagePath.startsWith(`${c.dest}/`)) || imagePath === config.workdir || imagePath.startsWith(`${config.workdir}/`);
      return inside ? join(rootfs, imagePath) : imagePath;
    },
  };
  built.set(app, layout);
  return layout;
}

/** `medcontracthub/<app>:<tag>` (optionally with a registry) -> `<app>`. */
export function appOfImage(image: string): string {
  const withoutDigest = image.split('@')[0];
  const last = withoutDigest.split('/').pop() ?? '';
  return last.split(':')[0];
}
