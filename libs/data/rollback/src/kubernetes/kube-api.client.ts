import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { parse as parseYaml } from 'yaml';
import { DomainException, ErrorCode } from '@mch/util-errors';

/**
 * The few Kubernetes API calls the rollback needs (list, get, patch, create, delete of workloads in
 * one namespace), over plain HTTPS with a bearer token or a client certificate. Chosen over
 * @kubernetes/client-node (2.0.1: 16 runtime dependencies, incl. undici, ws, openid-client, tar-fs)
 * because these five verbs are all the tool uses and the image stays small.
 */
export interface KubeConnection {
  /** https://host:port of the API server. */
  server: string;
  namespace: string;
  ca?: Buffer;
  /** Read before every request: a projected service-account token is rotated by the kubelet. */
  token?: () => string;
  cert?: Buffer;
  key?: Buffer;
  /** Where the settings came from, for logs and the plan ("in-cluster service account", "KUBECONFIG ..."). */
  source: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function configError(message: string): DomainException {
  return new DomainException(ErrorCode.ConfigInvalid, message, { field: 'KUBECONFIG' });
}

/**
 * The cluster to act on, or null when none is configured: in a pod, the mounted service account
 * (KUBERNETES_SERVICE_HOST + the token file); otherwise the current context of KUBECONFIG.
 * MCH_K8S_NAMESPACE overrides the namespace of either.
 */
export function kubeConnectionFromEnv(env: Record<string, string | undefined>, saDir = SA_DIR): KubeConnection | null {
  const host = env['KUBERNETES_SERVICE_HOST'];
  if (host && fileExists(`${saDir}/token`)) {
    const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
    return {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      namespace: env['MCH_K8S_NAMESPACE'] ?? readFileSync(`${saDir}/namespace`, 'utf8').trim(),
      ca: readFileSync(`${saDir}/ca.crt`),
      token: () => readFileSync(`${saDir}/token`, 'utf8').trim(),
      source: 'in-cluster service account',
    };
  }
  const path = env['KUBECONFIG']?.split(':').find((p) => p.length > 0);
  if (!path) return null;
  return kubeconfigConnection(path, env['MCH_K8S_NAMESPACE']);
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string } }[];
  users?: {
    name: string;
    user: Record<string, unknown> & {
      token?: string;
      tokenFile?: string;
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
    };
  }[];
}

function kubeconfigConnection(path: string, namespaceOverride: string | undefined): KubeConnection {
  let file: KubeconfigFile;
  try {
    file = parseYaml(readFileSync(path, 'utf8')) as KubeconfigFile;
  } catch (error) {
    throw configError(`KUBECONFIG ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const contextName = file['current-context'];
  const context = file.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw configError(`KUBECONFIG ${path}: current-context '${contextName ?? ''}' is not among its contexts`);
  const cluster = file.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = file.users?.find((u) => u.name === context.user)?.user;
  if (!cluster?.server?.startsWith('https://')) throw configError(`KUBECONFIG ${path}: cluster '${context.cluster}' needs an https:// server`);
  if (!user) throw configError(`KUBECONFIG ${path}: user '${context.user}' is not among its users`);
  // exec and auth-provider plugins run programs this image does not have; say so instead of failing later.
  const plugin = ['exec', 'auth-provider'].find((k) => k in user);
  if (plugin) throw configError(`KUBECONFIG ${path}: user '${context.user}' uses '${plugin}', which this tool does not run; use a token or a client certificate`);
  const data = (inline: string | undefined, file: string | undefined): Buffer | undefined =>
    inline ? Buffer.from(inline, 'base64') : file ? readFileSync(file) : undefined;
  const token = user.token ?? (user.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    namespace: namespaceOverride ?? context.namespace ?? 'default',
    ca: data(cluster['certificate-authority-data'], cluster['certificate-authority']),
    token: token === undefined ? undefined : () => token,
    cert: data(user['client-certificate-data'], user['client-certificate']),
    key: data(user['client-key-data'], user['client-key']),
    source: `KUBECONFIG ${path} (context ${contextName})`,
  };
}

function fileExists(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** An API answer other than 2xx; `status` 404 is how callers tell "not there". */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Kubernetes API ${method} ${path}: ${status} ${reason}`);
  }
}

export type PatchType = 'merge' | 'json';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

export class KubeApiClient {
  constructor(
    readonly connection: KubeConnection,
    private readonly timeoutMs = 30_000,
  ) {}

  get namespace(): string {
    return this.connection.namespace;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  /** The object, or null when the API answers 404. */
  async find<T>(path: string): Promise<T | null> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }

  patch<T>(path: string, body: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.call<T>('PATCH', path, body, PATCH_CONTENT_TYPE[type]);
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('DELETE', path, body);
  }

  private call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(path, `${this.connection.server}/`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.connection.token?.();
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (payload) Object.assign(headers, { 'content-type': contentType, 'content-length': String(payload.length) });
    return new Promise<T>((resolve, reject) => {
      const req = httpsRequest(
        url,
        { method, headers, ca: this.connection.ca, cert: this.connection.cert, key: this.connection.key, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve((text.length > 0 ? JSON.parse(text) : {}) as T);
              } catch (error) {
                reject(error);
              }
              return;
            }
            let reason = text.slice(0, 500);
            try {
              reason = (JSON.parse(text) as { message?: string }).message ?? reason;
            } catch {
              /* not JSON: keep the text */
            }
            reject(new KubeApiError(status, method, url.pathname, reason));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Kubernetes API ${method} ${url.pathname}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
