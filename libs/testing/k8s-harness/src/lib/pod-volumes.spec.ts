import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateContainerConfigError } from './pod-env';
import { materializeVolumes, remapMountedPaths, volumeFiles } from './pod-volumes';
import { overlayFromObjects } from './rendered-overlay';
import type { Container, PodTemplate } from './k8s-types';

const overlay = overlayFromObjects('test', [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rendered', namespace: 'ns' }, data: { a: 'A', b: 'B' } } as never,
]);
const sources = { overlay, configMaps: { 'store-ca': { 'ca.crt': 'PEM' } }, secrets: { creds: { key: 'k3y' } } };

describe('volumeFiles (configMap/secret projection)', () => {
  it('projects every key at mode 0644 without items, only the items (path, mode) with them', () => {
    expect(volumeFiles('c', { name: 'v', configMap: { name: 'rendered' } }, sources)).toEqual([
      { path: 'a', content: 'A', mode: 0o644 },
      { path: 'b', content: 'B', mode: 0o644 },
    ]);
    expect(volumeFiles('c', { name: 'v', configMap: { name: 'rendered', defaultMode: 0o444, items: [{ key: 'b', path: 'sub/b.txt' }, { key: 'a', path: 'a', mode: 0o400 }] } }, sources)).toEqual([
      { path: 'sub/b.txt', content: 'B', mode: 0o444 },
      { path: 'a', content: 'A', mode: 0o400 },
    ]);
  });

  it('reads operator ConfigMaps the rendering lacks, and Secrets by secretName', () => {
    expect(volumeFiles('c', { name: 'v', configMap: { name: 'store-ca' } }, sources)).toEqual([{ path: 'ca.crt', content: 'PEM', mode: 0o644 }]);
    expect(volumeFiles('c', { name: 'v', secret: { secretName: 'creds', defaultMode: 0o400 } }, sources)).toEqual([{ path: 'key', content: 'k3y', mode: 0o400 }]);
  });

  it('is CreateContainerConfigError for a missing object or key; an optional missing object projects nothing', () => {
    expect(() => volumeFiles('c', { name: 'v', configMap: { name: 'mch-store-ca' } }, sources)).toThrow(CreateContainerConfigError);
    expect(() => volumeFiles('c', { name: 'v', configMap: { name: 'mch-store-ca' } }, sources)).toThrow('configmap "mch-store-ca" not found');
    expect(() => volumeFiles('c', { name: 'v', secret: { secretName: 'nope' } }, sources)).toThrow('secret "nope" not found');
    expect(() => volumeFiles('c', { name: 'v', configMap: { name: 'rendered', items: [{ key: 'z', path: 'z' }] } }, sources)).toThrow('has no key z');
    expect(() => volumeFiles('c', { name: 'v', configMap: { name: 'rendered', items: [{ key: 'a', path: '../a' }] } }, sources)).toThrow("without '..'");
    expect(volumeFiles('c', { name: 'v', configMap: { name: 'absent', optional: true } }, sources)).toBeUndefined();
    expect(volumeFiles('c', { name: 'v', emptyDir: {} }, sources)).toBeUndefined();
  });
});

describe('remapMountedPaths', () => {
  const mounts = [
    { mountPath: '/etc/mch', hostPath: '/tmp/pod/0-outer' },
    { mountPath: '/etc/mch/store-ca', hostPath: '/tmp/pod/1-ca' },
  ];
  it('rewrites values that are a mountPath or under one (the longest mount wins), nothing else', () => {
    expect(
      remapMountedPaths(
        { A: '/etc/mch/store-ca/ca.crt', B: '/etc/mch/other', C: '/etc/mch', D: '/etc/mchx/ca.crt', E: 'etc/mch/ca.crt', F: 'https://x/etc/mch' },
        mounts,
      ),
    ).toEqual({ A: '/tmp/pod/1-ca/ca.crt', B: '/tmp/pod/0-outer/other', C: '/tmp/pod/0-outer', D: '/etc/mchx/ca.crt', E: 'etc/mch/ca.crt', F: 'https://x/etc/mch' });
  });
});

describe('materializeVolumes', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'pod-volumes-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const container: Container = {
    name: 'c',
    image: 'medcontracthub/x:1',
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'ca', mountPath: '/etc/medcontracthub/store-ca', readOnly: true },
    ],
  };
  const template = (volumes: PodTemplate['spec']['volumes']): PodTemplate => ({ spec: { containers: [container], volumes } });

  it('writes configMap files with their mode under the root and returns the mount; emptyDir is left out', () => {
    const mounts = materializeVolumes(container, template([{ name: 'tmp', emptyDir: {} }, { name: 'ca', configMap: { name: 'store-ca', defaultMode: 0o444 } }]), sources, root);
    expect(mounts).toEqual([{ mountPath: '/etc/medcontracthub/store-ca', hostPath: join(root, '1-ca') }]);
    expect(readFileSync(join(root, '1-ca/ca.crt'), 'utf8')).toBe('PEM');
    expect(statSync(join(root, '1-ca/ca.crt')).mode & 0o777).toBe(0o444);
  });

  it('is CreateContainerConfigError for a mount without its volume or a volume without its ConfigMap', () => {
    expect(() => materializeVolumes(container, template([{ name: 'tmp', emptyDir: {} }]), sources, root)).toThrow('no volume named ca');
    expect(() => materializeVolumes(container, template([{ name: 'tmp', emptyDir: {} }, { name: 'ca', configMap: { name: 'mch-store-ca' } }]), sources, root)).toThrow(
      'CreateContainerConfigError: container c: volume ca: configmap "mch-store-ca" not found',
    );
  });
});
