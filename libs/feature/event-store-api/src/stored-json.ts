/**
 * What PostgreSQL's jsonb (and text columns) cannot hold losslessly, found before the append so
 * the caller gets a 400 naming the field path instead of a store error or a silently changed
 * value. Decision: such input is refused, not rewritten, because an event is the source of truth
 * and must come back exactly as sent.
 * - `\u0000`: jsonb and text reject it (22P05 / 22021).
 * - A lone UTF-16 surrogate: not encodable as UTF-8; Node would replace it with U+FFFD.
 * - A non-finite number (JSON `1e400` parses to Infinity): JSON.stringify would store null.
 * - Nesting deeper than MAX_JSON_DEPTH: jsonb's parser runs out of stack (54001).
 */
export const MAX_JSON_DEPTH = 32;

export interface StoredJsonProblem {
  /** Dotted path of the offending value or key, e.g. `events.0.data.title`. */
  field: string;
  message: string;
  limit: string | number;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The problem with one text value, if any. */
export function textProblem(text: string): { message: string; limit: string } | undefined {
  if (text.includes('\u0000'))
    return { message: 'contains \\u0000, which the store cannot hold', limit: 'no \\u0000' };
  if (LONE_SURROGATE.test(text))
    return {
      message: 'contains a lone UTF-16 surrogate, which is not valid Unicode',
      limit: 'valid Unicode',
    };
  return undefined;
}

/** The first value under `value` the store cannot hold, with its path; depth is bounded, so is recursion. */
export function storedJsonProblem(value: unknown, path: string, depth = 1): StoredJsonProblem | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem && { field: path, ...problem };
  }
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? undefined
      : { field: path, message: 'is not a finite number', limit: 'finite number' };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_JSON_DEPTH) {
    return { field: path, message: `nests deeper than ${MAX_JSON_DEPTH} levels`, limit: MAX_JSON_DEPTH };
  }
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value);
  for (const [key, child] of entries) {
    const childPath = `${path}.${key}`;
    const keyProblem = Array.isArray(value) ? undefined : textProblem(key);
    if (keyProblem)
      return { field: childPath, message: `key ${keyProblem.message}`, limit: keyProblem.limit };
    const problem = storedJsonProblem(child, childPath, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
