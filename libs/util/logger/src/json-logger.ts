import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
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

// A value under a secret-named key is never written, whoever passed it. Names are matched by
// their words, not by substrings: `passed`, `bypass` and `passthrough` are ordinary fields (a
// check's `"passed": true` used to be redacted), while `PGPASSWORD`, `apiKey`, `x-api-key`,
// `accessToken` and `client_secret` are secrets.
const SECRET_WORD = /^(pass|pwd|token|tokens|secret|secrets|auth|authorization|credential|credentials|cookie)$/;
const SECRET_JOINED = /password|passwd|passphrase|secret|apikey|accesskey|privatekey|credential|authorization|bearer/;

// Log lines reuse a small set of keys: remember each verdict (bounded, in case keys are data).
const secretKeyVerdicts = new Map<string, boolean>();

export function isSecretKey(key: string): boolean {
  let verdict = secretKeyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = classifyKey(key);
    if (secretKeyVerdicts.size < 10_000) secretKeyVerdicts.set(key, verdict);
  }
  return verdict;
}

function classifyKey(key: string): boolean {
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
  return serialiseInto({}, value as Record<string, unknown>, depth);
}

function serialiseInto(out: Record<string, unknown>, fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    out[key] = isSecretKey(key) ? '[redacted]' : serialise(fields[key], depth + 1);
  }
  return out;
}

/**
 * Set on a pino child whose bindings already carry correlation_id (the HTTP request logger of
 * nestjs-pino binds the request's id there): the mixin then leaves it out, so no line has the key
 * twice. pino children inherit from their parent by prototype, so grandchildren see it too.
 */
export const CORRELATION_BOUND = Symbol('mch.correlationBound');

/** The current correlation context as log fields (correlation_id is null outside any context). */
function correlationFields(_merge: object, _level: number, logger: PinoLogger): Record<string, unknown> {
  const correlation = currentCorrelation();
  const bound = (logger as unknown as Record<symbol, unknown>)[CORRELATION_BOUND] === true;
  return {
    ...(bound ? {} : { correlation_id: correlation?.correlationId ?? null }),
    ...(correlation?.causationId ? { causation_id: correlation.causationId } : {}),
  };
}

/**
 * The pino options every logger of this toolkit uses, services (nestjs-pino) and CLIs alike: the
 * line shape `{"level":"info","time":"<ISO>","service":…,"correlation_id":…,…,"msg":…}`, secret-named
 * keys redacted at any depth and errors serialised with their code (pino's path-based `redact`
 * cannot match a key name at any depth, hence the merge strategy), and registered secret values
 * scrubbed from the finished line, JSON-escaped forms included (the streamWrite hook sees the
 * exact text written).
 */
export function pinoOptions(service: string, level: LogLevel = 'info'): pino.LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: correlationFields,
    // The call's fields are serialised straight into the mixin's object: one copy per line.
    mixinMergeStrategy: (fields, correlation) => serialiseInto(correlation as Record<string, unknown>, fields as Record<string, unknown>),
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => serialise(bindings) as Record<string, unknown>,
    },
    hooks: { streamWrite: scrubSecretValues },
    // Children are made per HTTP request (not per line), so reading their bindings here is cheap.
    onChild: (child) => {
      if ('correlation_id' in child.bindings()) (child as unknown as Record<symbol, unknown>)[CORRELATION_BOUND] = true;
    },
  };
}

/** Where lines go: a sink gets each line without its newline; stdout by default. */
export function logDestination(sink?: (line: string) => void): DestinationStream {
  if (sink) return { write: (chunk: string) => sink(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) };
  return { write: (chunk: string) => process.stdout.write(chunk) };
}

const pinoInstances = new WeakMap<Logger, PinoLogger>();

/** The pino logger behind a root logger from createLogger (nestjs-pino logs through the same one). */
export function pinoOf(logger: Logger): PinoLogger {
  const instance = pinoInstances.get(logger);
  if (!instance) throw new Error('pinoOf: not a logger made by createLogger');
  return instance;
}

function wrap(target: PinoLogger, base: LogFields): Logger {
  // Fields of a call override the child's (merged here rather than as pino bindings, so a key is
  // never written twice in one line).
  const plain = Object.keys(base).length === 0;
  const fieldsOf = (fields?: LogFields) => (fields ? (plain ? fields : { ...base, ...fields }) : base);
  return {
    debug: (m, f) => target.debug(fieldsOf(f), m),
    info: (m, f) => target.info(fieldsOf(f), m),
    warn: (m, f) => target.warn(fieldsOf(f), m),
    error: (m, f) => target.error(fieldsOf(f), m),
    child: (fields) => wrap(target, { ...base, ...fields }),
  };
}

/** A JSON-lines logger on pino (one object per line for log shippers). */
export function createLogger(options: LoggerOptions): Logger {
  const instance = pino(pinoOptions(options.service, options.level ?? 'info'), logDestination(options.sink));
  const logger = wrap(instance, options.fields ?? {});
  pinoInstances.set(logger, instance);
  return logger;
}
