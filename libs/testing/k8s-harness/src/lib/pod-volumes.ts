// configMap and secret volumes as the kubelet projects them (pkg/volume/configmap, .../secret):
// every key of the object as a file (or only `items`, each at its `path`), mode `items[].mode`,
// else `defaultMode` (0644 when unset), read-only. A process here cannot see /etc/…, so each mount
// is materialised under the pod's temp root and any env value naming a path under a mountPath is
// remapped to the materialised path (the same idea as the port remap). A volume whose ConfigMap or
// Secret is missing (not optional), or whose `items` name a missing key, keeps the container from
// starting: CreateContainerConfigError, like a missing env Secret.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, posix } from 'node:path';
import type { Container, PodTemplate, Volume } from './k8s-types';
import { CreateContainerConfigError } from './pod-env';
import type { RenderedOverlay } from './rendered-overlay';

export interface VolumeFile {
  /** Relative to the volume's root (an item's `path`, else the key). */
  path: string;
  content: string;
  mode: number;
}

export interface VolumeSources {
  overlay: RenderedOverlay;
  /** ConfigMaps the operator creates (not rendered), e.g. mch-store-ca. */
  configMaps?: Record<string, Record<string, string>>;
  secrets: Record<string, Record<string, string>>;
}

/** A mountPath (or mountPath/subPath target) and the host directory or file standing for it. */
export interface MaterializedMount {
  mountPath: string;
  hostPath: string;
}

const DEFAULT_MODE = 0o644;

/**
 * The files a configMap or secret volume projects, or undefined for other volume types (and for an
 * optional one whose object is missing). Throws CreateContainerConfigError for a missing object or key.
 */
export function volumeFiles(container: string, volume: Volume, sources: VolumeSources): VolumeFile[] | undefined {
  const source = volume.configMap ?? volume.secret;
  if (!source) return undefined;
  const kind = volume.configMap ? 'configmap' : 'secret';
  const objectName = volume.configMap ? volume.configMap.name : (volume.secret as NonNullable<Volume['secret']>).secretName;
  const data = volume.configMap ? (sources.overlay.configMap(objectName) ?? sources.configMaps?.[objectName]) : sources.secrets[objectName];
  if (!data) {
    if (source.optional) return undefined;
    throw new CreateContainerConfigError(container, `volume ${volume.name}: ${kind} "${objectName}" not found`);
  }
  const mode = source.defaultMode ?? DEFAULT_MODE;
  const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key, mode: undefined }));
  return items.map((item) => {
    if (!(item.key in data)) {
      throw new CreateContainerConfigError(container, `volume ${volume.name}: ${kind} "${objectName}" has no key ${item.key}`);
    }
    const path = posix.normalize(item.path);
    if (path.startsWith('..') || posix.isAbsolute(path)) {
      throw new CreateContainerConfigError(container, `volume ${volume.name}: item path ${item.path} must be relative, without '..'`);
    }
    return { path, content: data[item.key], mode: item.mode ?? mode };
  });
}

/** Writes the container's configMap/secret mounts under `root`; other mounts are left out. */
export function materializeVolumes(container: Container, template: PodTemplate, sources: VolumeSources, root: string): MaterializedMount[] {
  const volumes = new Map((template.spec.volumes ?? []).map((v) => [v.name, v]));
  const mounts: MaterializedMount[] = [];
  (container.volumeMounts ?? []).forEach((mount, n) => {
    const volume = volumes.get(mount.name);
    if (!volume) throw new CreateContainerConfigError(container.name, `volumeMount ${mount.mountPath}: no volume named ${mount.name}`);
    const files = volumeFiles(container.name, volume, sources);
    if (!files) return;
    const dir = join(root, `${n}-${mount.name}`);
    mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const target = join(dir, file.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
      chmodSync(target, file.mode);
    }
    mounts.push({ mountPath: normalize(mount.mountPath), hostPath: mount.subPath ? join(dir, mount.subPath) : dir });
  });
  return mounts;
}

/** Env values that are a mountPath or a path under one, rewritten to the materialised path. */
export function remapMountedPaths(env: Record<string, string>, mounts: MaterializedMount[]): Record<string, string> {
  const out = { ...env };
  // Longest mountPath first: a nested mount wins over the one it sits in.
  const ordered = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const [key, value] of Object.entries(env)) {
    if (!value.startsWith('/')) continue;
    const path = posix.normalize(value);
    const mount = ordered.find((m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
    if (mount) out[key] = join(mount.hostPath, path.slice(mount.mountPath.length));
  }
  return out;
}
