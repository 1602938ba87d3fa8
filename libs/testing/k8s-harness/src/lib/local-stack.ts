// "Pointed at the local stack": the store endpoints a pod's environment names are replaced by the
// local stack's (tools/stack/stack.sh env), the Secrets the manifests reference are supplied from its
// credentials, and nothing else the manifest sets is changed.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Variables that say where a store is (or which database on it): the only ones the harness rewrites. */
export const STORE_ENDPOINT_KEYS = [
  'PGHOST',
  'PGPORT',
  'PGDATABASE',
  'KAFKA_BROKERS',
  'CLICKHOUSE_URL',
  'CLICKHOUSE_DATABASE',
  'WEAVIATE_HOST',
  'WEAVIATE_HTTP_PORT',
  'WEAVIATE_GRPC_PORT',
] as const;
export type StoreEndpointKey = (typeof STORE_ENDPOINT_KEYS)[number];

export interface LocalStack {
  /** Every variable of the stack's env file (secrets included; never logged). */
  env: Record<string, string>;
  endpoints: Record<StoreEndpointKey, string>;
  /** The Secrets the manifests reference, as an operator would create them (k8s/README.md). */
  secrets: Record<string, Record<string, string>>;
  /** The ConfigMaps the operator creates (not rendered): mch-store-ca on the TLS instance. */
  configMaps: Record<string, Record<string, string>>;
}

/** Which instance: the default (plaintext) stack or the TLS one (tools/stack/tls-stack.sh). */
export type StackInstance = 'default' | 'tls';
const STACK_SCRIPTS: Record<StackInstance, string> = { default: 'tools/stack/stack.sh', tls: 'tools/stack/tls-stack.sh' };

/**
 * Reads the file `bash tools/stack/stack.sh env` (or `tls-stack.sh env`) names (`export K=V`
 * lines; a later line wins, as when the file is sourced).
 */
export function readStackEnv(workspace: string, instance: StackInstance = 'default'): Record<string, string> {
  const script = STACK_SCRIPTS[instance];
  const where = spawnSync('bash', [script, 'env'], { cwd: workspace, encoding: 'utf8' });
  if (where.status !== 0) throw new Error(`${script} env failed (exit ${where.status}): ${where.stderr.trim()}`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(where.stdout.trim(), 'utf8').split('\n')) {
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/**
 * The local stack, with a per-run API token (the stack's own is not handed to pods under test).
 * `overrides` replace endpoints (a test database, a proxy in front of a store). On the TLS
 * instance the operator's TLS objects are supplied too: KAFKA_SASL_PASSWORD in
 * mch-store-credentials and ConfigMap mch-store-ca (key ca.crt) from the stack's CA file; its TLS
 * settings themselves (PGSSLMODE, KAFKA_SSL, KAFKA_SASL_*, WEAVIATE_SECURE, CA paths) are NOT
 * handed to pods: those come from the rendered manifests.
 */
export function localStack(
  workspace: string,
  overrides: Partial<Record<StoreEndpointKey, string>> = {},
  instance: StackInstance = 'default',
): LocalStack {
  const env = readStackEnv(workspace, instance);
  const endpoints = {} as Record<StoreEndpointKey, string>;
  for (const key of STORE_ENDPOINT_KEYS) {
    const value = overrides[key] ?? env[key];
    if (value === undefined) throw new Error(`the local stack's env file lacks ${key}`);
    endpoints[key] = value;
  }
  const need = (key: string) => {
    const value = env[key];
    if (!value) throw new Error(`the local stack's env file lacks ${key}`);
    return value;
  };
  return {
    env,
    endpoints,
    secrets: {
      'mch-store-credentials': {
        PGPASSWORD: need('PGPASSWORD'),
        CLICKHOUSE_PASSWORD: need('CLICKHOUSE_PASSWORD'),
        WEAVIATE_API_KEY: need('WEAVIATE_API_KEY'),
        ...(instance === 'tls' ? { KAFKA_SASL_PASSWORD: need('KAFKA_SASL_PASSWORD') } : {}),
      },
      'mch-api-credentials': { API_TOKEN: randomBytes(24).toString('hex') },
    },
    configMaps: instance === 'tls' ? { 'mch-store-ca': { 'ca.crt': readFileSync(need('PGSSLROOTCERT'), 'utf8') } } : {},
  };
}

/** Replaces the store endpoints the environment sets; one it does not set stays unset. */
export function pointAtStack(env: Record<string, string>, endpoints: Record<StoreEndpointKey, string>): Record<string, string> {
  const out = { ...env };
  for (const key of STORE_ENDPOINT_KEYS) if (key in out) out[key] = endpoints[key];
  return out;
}
