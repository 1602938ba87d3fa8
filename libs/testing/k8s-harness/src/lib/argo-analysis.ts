// An AnalysisTemplate's metrics evaluated the way the Argo Rollouts controller evaluates them:
// `{{args.x}}` substituted, a web metric's response reduced by its Kubernetes-JSONPath `jsonPath`
// and judged by `successCondition` (expr-lang in Argo; the simple comparisons are supported here and
// anything else fails loudly), a job metric's Job run through the harness (exit 0 = success).
import type { K8sObject } from './k8s-types';

export class AnalysisError extends Error {}

export interface AnalysisMetric {
  name: string;
  successCondition?: string;
  failureCondition?: string;
  count?: number;
  interval?: string;
  failureLimit?: number;
  consecutiveErrorLimit?: number;
  provider: {
    web?: { url: string; jsonPath?: string; timeoutSeconds?: number; method?: string; headers?: { key: string; value: string }[] };
    job?: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> };
  };
}

export function analysisMetrics(template: K8sObject): AnalysisMetric[] {
  return ((template.spec as { metrics?: AnalysisMetric[] }).metrics ?? []) as AnalysisMetric[];
}

/** `{{args.name}}` as the controller resolves them; an argument without a value fails the analysis. */
export function substituteArgs<T>(value: T, args: Record<string, string>): T {
  const text = JSON.stringify(value).replace(/\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}/g, (_all, name: string) => {
    if (!(name in args)) throw new AnalysisError(`argument ${name} has no value`);
    return args[name].replace(/["\\]/g, (c) => `\\${c}`);
  });
  return JSON.parse(text) as T;
}

/**
 * Kubernetes JSONPath, the subset: `{$.a.b}`, `{.a.b}`, `{.a[0].b}`, `{.a['b']}`. Anything else
 * (filters, ranges, wildcards) throws rather than guessing.
 */
export function kubernetesJsonPath(data: unknown, expression: string): unknown {
  const m = /^\{(.*)\}$/.exec(expression.trim());
  if (!m) throw new AnalysisError(`jsonPath ${expression}: not a {…} template`);
  let path = m[1].trim();
  if (path.startsWith('$')) path = path.slice(1);
  let current: unknown = data;
  const token = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\['([^']+)'\]|\["([^"]+)"\])/;
  while (path.length > 0) {
    const t = token.exec(path);
    if (!t) throw new AnalysisError(`jsonPath ${expression}: '${path}' is outside the supported subset`);
    path = path.slice(t[0].length);
    const key = t[1] ?? t[3] ?? t[4];
    if (current === null || typeof current !== 'object') throw new AnalysisError(`jsonPath ${expression}: ${key ?? t[2]} is not found`);
    current = key !== undefined ? (current as Record<string, unknown>)[key] : (current as unknown[])[Number(t[2])];
    if (current === undefined) throw new AnalysisError(`jsonPath ${expression}: ${key ?? t[2]} is not found`);
  }
  return current;
}

/**
 * expr-lang conditions of the form `result <op> <literal>` (and `&&`/`||` of them): == != < <= > >=
 * against a string, number, true/false/nil literal. Anything else throws.
 */
export function evaluateCondition(condition: string, result: unknown): boolean {
  const or = splitTop(condition, '||');
  if (or.length > 1) return or.some((c) => evaluateCondition(c, result));
  const and = splitTop(condition, '&&');
  if (and.length > 1) return and.every((c) => evaluateCondition(c, result));
  const m = /^\s*result\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$/.exec(condition);
  if (!m) throw new AnalysisError(`successCondition '${condition}': only 'result <op> <literal>' is supported by the harness`);
  const literal = parseLiteral(m[2], condition);
  switch (m[1]) {
    case '==':
      return result === literal || (literal === null && result === undefined);
    case '!=':
      return !(result === literal || (literal === null && result === undefined));
    default: {
      if (typeof result !== 'number' || typeof literal !== 'number') throw new AnalysisError(`successCondition '${condition}': ${m[1]} needs numbers, result is ${JSON.stringify(result)}`);
      return m[1] === '<' ? result < literal : m[1] === '<=' ? result <= literal : m[1] === '>' ? result > literal : result >= literal;
    }
  }
}

function splitTop(text: string, op: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote && text[i - 1] !== '\\') quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (text.startsWith(op, i)) {
      parts.push(text.slice(start, i));
      start = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseLiteral(text: string, condition: string): string | number | boolean | null {
  if (/^"([^"\\]|\\.)*"$/.test(text)) return JSON.parse(text) as string;
  if (/^'[^']*'$/.test(text)) return text.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'nil') return null;
  throw new AnalysisError(`successCondition '${condition}': cannot read literal ${text}`);
}

export interface Measurement {
  phase: 'Successful' | 'Failed' | 'Error';
  value?: unknown;
  message?: string;
}

/** One measurement of a web metric: GET the URL, apply jsonPath, judge the value. */
export async function measureWeb(metric: AnalysisMetric, urlRewrite: (url: string) => string = (u) => u): Promise<Measurement> {
  const web = metric.provider.web;
  if (!web) throw new AnalysisError(`metric ${metric.name} is not a web metric`);
  if (!metric.successCondition && !metric.failureCondition) throw new AnalysisError(`metric ${metric.name}: no successCondition or failureCondition`);
  let body: unknown;
  try {
    const response = await fetch(urlRewrite(web.url), {
      method: web.method ?? 'GET',
      headers: Object.fromEntries((web.headers ?? []).map((h) => [h.key, h.value])),
      signal: AbortSignal.timeout((web.timeoutSeconds ?? 10) * 1000),
    });
    const text = await response.text();
    // Argo's web provider: a non-2xx status is an Error measurement.
    if (response.status < 200 || response.status >= 300) return { phase: 'Error', message: `received non 2xx response code: ${response.status}` };
    body = JSON.parse(text);
  } catch (error) {
    return { phase: 'Error', message: (error as Error).message };
  }
  const value = web.jsonPath ? kubernetesJsonPath(body, web.jsonPath) : body;
  if (metric.failureCondition && evaluateCondition(metric.failureCondition, value)) return { phase: 'Failed', value };
  if (metric.successCondition) return { phase: evaluateCondition(metric.successCondition, value) ? 'Successful' : 'Failed', value };
  return { phase: 'Successful', value };
}

/**
 * The metric's outcome over `count` measurements `intervalMs` apart: Failed once failures exceed
 * failureLimit, Error once consecutive errors exceed consecutiveErrorLimit (Argo's defaults 0 and 4).
 */
export async function runWebMetric(
  metric: AnalysisMetric,
  options: { count?: number; intervalMs?: number; urlRewrite?: (url: string) => string } = {},
): Promise<{ phase: 'Successful' | 'Failed' | 'Error'; measurements: Measurement[] }> {
  const count = options.count ?? metric.count ?? 1;
  const failureLimit = metric.failureLimit ?? 0;
  const errorLimit = metric.consecutiveErrorLimit ?? 4;
  const measurements: Measurement[] = [];
  let failures = 0;
  let consecutiveErrors = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, options.intervalMs ?? 0));
    const m = await measureWeb(metric, options.urlRewrite);
    measurements.push(m);
    if (m.phase === 'Failed') failures++;
    consecutiveErrors = m.phase === 'Error' ? consecutiveErrors + 1 : 0;
    if (failures > failureLimit) return { phase: 'Failed', measurements };
    if (consecutiveErrors > errorLimit) return { phase: 'Error', measurements };
  }
  return { phase: 'Successful', measurements };
}

/** A job metric's Job object, as the controller creates it (name `<run>.<metric>.1`). */
export function jobOfMetric(metric: AnalysisMetric, namespace: string, runName = 'analysis'): K8sObject {
  if (!metric.provider.job) throw new AnalysisError(`metric ${metric.name} is not a job metric`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${runName}.${metric.name}.1`, namespace, labels: metric.provider.job.metadata?.labels },
    spec: metric.provider.job.spec,
  };
}
