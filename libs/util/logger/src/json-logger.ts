import { currentCorrelation } from '@mch/util-correlation';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go; stdout by default (one JSON object per line for log shippers). */
  sink?: (line: string) => void;
  fields?: LogFields;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
// A value under a secret-named key is never written, whoever passed it. Names are matched by
// their words, not by substrings: `passed`, `bypass` and `passthrough` are ordinary fields (a
// check's `"passed": true` used to be redacted), while `PGPASSWORD`, `apiKey`, `x-api-key`,
// `accessToken` and `client_secret` are secrets.
const SECRET_WORD = /^(pass|pwd|token|tokens|secret|secrets|auth|authorization|credential|credentials|cookie)$/;
const SECRET_JOINED = /password|passwd|passphrase|secret|apikey|accesskey|privatekey|credential|authorization|bearer/;

export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w) => SECRET_WORD.test(w)) || SECRET_JOINED.test(words.join(''));
}

/**
 * Secret values known to this process (registered by config loading), scrubbed from every line
 * whatever carries them: a driver's error message, a stack, a URL with credentials. Key names alone
 * miss those (an `Error('password=… rejected')` is logged by its message). Values shorter than
 * SECRET_VALUE_MIN_LENGTH are not registered: scrubbing `mch` or `5432` from every line would garble
 * logs and protect nothing.
 */
export const SECRET_VALUE_MIN_LENGTH = 8;
const secretValues = new Set<string>();
let secretPattern: RegExp | null = null;

export function registerSecretValues(values: Iterable<string | undefined>): void {
  let added = false;
  for (const value of values) {
    if (typeof value !== 'string' || value.length < SECRET_VALUE_MIN_LENGTH || secretValues.has(value)) continue;
    secretValues.add(value);
    added = true;
  }
  if (!added) return;
  // A line is JSON text: a value appears there as written, or JSON-escaped if it holds " \ or controls.
  const forms = [...secretValues].flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]);
  const unique = [...new Set(forms)].sort((a, b) => b.length - a.length);
  secretPattern = new RegExp(unique.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
}

/** Forgets registered values (tests). */
export function clearSecretValues(): void {
  secretValues.clear();
  secretPattern = null;
}

export function scrubSecretValues(line: string): string {
  return secretPattern ? line.replace(secretPattern, '[redacted]') : line;
}

function serialise(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const withCode = value as Error & { code?: unknown; details?: unknown };
    return {
      name: value.name,
      message: value.message,
      ...(withCode.code !== undefined ? { code: withCode.code } : {}),
      ...(withCode.details !== undefined ? { details: serialise(withCode.details, depth + 1) } : {}),
      stack: value.stack,
    };
  }
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((v) => serialise(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isSecretKey(key) ? '[redacted]' : serialise(v, depth + 1);
  return out;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  const base = options.fields ?? {};

  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const correlation = currentCorrelation();
    const record = {
      time: new Date().toISOString(),
      level,
      service: options.service,
      msg: message,
      correlation_id: correlation?.correlationId ?? null,
      ...(correlation?.causationId ? { causation_id: correlation.causationId } : {}),
      ...(serialise({ ...base, ...fields }) as LogFields),
    };
    sink(scrubSecretValues(JSON.stringify(record)));
  };

  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}
