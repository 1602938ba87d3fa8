import { containerEnv, CreateContainerConfigError, expandVars, type PodIdentity } from './pod-env';
import { overlayFromObjects } from './rendered-overlay';
import { containerArgv } from './pod-plan';
import type { Container } from './k8s-types';

const overlay = overlayFromObjects('test', [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { A: 'from-cm', PORT: '3000' } } as never,
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'event-store', namespace: 'ns' }, spec: { clusterIP: '10.0.0.7', ports: [{ name: 'http', port: 3000 }] } } as never,
]);
const pod: PodIdentity = {
  name: 'job-2-abcde',
  namespace: 'ns',
  uid: 'u',
  labels: { app: 'x' },
  annotations: { 'batch.kubernetes.io/job-completion-index': '2' },
  nodeName: 'n',
  podIP: '127.0.0.1',
  hostIP: '127.0.0.1',
};
const sources = { overlay, secrets: { creds: { PW: 'secret' } }, pod };
const container = (c: Partial<Container>): Container => ({ name: 'c', image: 'medcontracthub/x:1', ...c });

describe('expandVars (Kubernetes $(VAR) rules)', () => {
  it('expands known names, keeps unknown ones, and $$ escapes', () => {
    const lookup = (n: string) => ({ A: 'a' })[n];
    expect(expandVars('x-$(A)-$(B)-$$(A)-$', lookup)).toBe('x-a-$(B)-$(A)-$');
  });
});

describe('containerEnv', () => {
  it('applies service links, envFrom, then env in order with dependent expansion and the downward API', () => {
    const env = containerEnv(
      container({
        envFrom: [{ configMapRef: { name: 'cfg' } }],
        env: [
          { name: 'A', value: 'override-$(A)' },
          { name: 'SHARD', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
          { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PW' } } },
          { name: 'LATER', value: '$(PW)-$(SHARD)' },
        ],
      }),
      sources,
    );
    expect(env).toMatchObject({ A: 'override-from-cm', SHARD: '2', NAME: 'job-2-abcde', PW: 'secret', LATER: 'secret-2', EVENT_STORE_SERVICE_HOST: '10.0.0.7', EVENT_STORE_SERVICE_PORT_HTTP: '3000' });
  });

  it('fails like a kubelet on a missing Secret key or ConfigMap, and skips optional ones', () => {
    expect(() => containerEnv(container({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'NOPE' } } }] }), sources)).toThrow(CreateContainerConfigError);
    expect(() => containerEnv(container({ envFrom: [{ configMapRef: { name: 'missing' } }] }), sources)).toThrow(/configmap "missing" not found/);
    expect(containerEnv(container({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'K', optional: true } } }] }), sources).X).toBeUndefined();
  });
});

describe('containerArgv (command/args over ENTRYPOINT/CMD)', () => {
  const image = { entrypoint: ['node', '/app/main.js'], cmd: ['serve'] };
  it('args replace CMD; command replaces ENTRYPOINT and drops CMD', () => {
    expect(containerArgv(image, container({}))).toEqual(['node', '/app/main.js', 'serve']);
    expect(containerArgv(image, container({ args: ['check'] }))).toEqual(['node', '/app/main.js', 'check']);
    expect(containerArgv(image, container({ command: ['check'] }))).toEqual(['check']);
    expect(containerArgv({ entrypoint: [], cmd: ['node', 'main.js'] }, container({ args: ['check'] }))).toEqual(['check']);
  });
});
