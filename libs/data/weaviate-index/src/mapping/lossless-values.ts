/**
 * What a Weaviate property can hold, measured on Weaviate 1.36.5 (docs/weaviate.md, "Values a
 * property cannot hold, and where they go"), and the typed value the index writes for a source
 * value. A value a property cannot hold exactly is never a reason to drop an object: the typed
 * property gets the nearest value it can hold, the object's `lossyFields` names the property, and
 * `rawValues` (JSON text) keeps the original value.
 */

/**
 * Weaviate's filter index keys a date by Go's `time.UnixNano()` (int64 nanoseconds), which wraps
 * outside 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z: a year-0001 date
 * sorts after 2200 and a year-9999 date before 1970 (measured). The object store would keep such a
 * date, but range filters would be wrong, so dates outside are clamped to the whole milliseconds
 * inside (the filter index orders them correctly at the ends).
 */
export const WEAVIATE_DATE_MIN = '1677-09-21T00:12:43.146Z';
export const WEAVIATE_DATE_MAX = '2262-04-11T23:47:16.854Z';
const MIN_MS = Date.parse(WEAVIATE_DATE_MIN);
const MAX_MS = Date.parse(WEAVIATE_DATE_MAX);

/** The typed value written and whether it is exactly the source value as every client reads it. */
export interface TypedValue<T> {
  typed: T;
  exact: boolean;
}

/** Fraction digits after the milliseconds that are not all zero (e.g. `.123456Z`). */
const SUB_MILLISECOND = /\.\d{3}(\d*[1-9]\d*)(?:Z|[+-]\d\d:?\d\d)$/i;

/**
 * A timestamp from an event (the contract's text: ISO-8601 with 3 or 6 fraction digits, expanded
 * years `+YYYYYY`/`-YYYYYY`, `infinity`, `-infinity`) as a Weaviate `date` property.
 * - within the filter index's range, whole milliseconds: written as is (normalised to `.mmmZ`);
 * - sub-millisecond digits: Weaviate stores and filters them (REST returns them), but the gRPC
 *   clients read dates as JavaScript `Date`s (milliseconds), so the text is kept raw as well;
 * - outside the range (before 1677-09-21 or after 2262-04-11, BC and expanded years included) and
 *   ±infinity: clamped to WEAVIATE_DATE_MIN / WEAVIATE_DATE_MAX.
 */
export function dateValue(text: string): TypedValue<string> {
  const lower = text.toLowerCase();
  if (lower === 'infinity' || lower === '+infinity') return { typed: WEAVIATE_DATE_MAX, exact: false };
  if (lower === '-infinity') return { typed: WEAVIATE_DATE_MIN, exact: false };
  const ms = Date.parse(text);
  // The decoder validated the text; a timestamp JavaScript cannot place (beyond ±275760 years)
  // still keeps its object, at the end of the range its sign points to.
  if (Number.isNaN(ms)) return { typed: text.startsWith('-') ? WEAVIATE_DATE_MIN : WEAVIATE_DATE_MAX, exact: false };
  if (ms < MIN_MS) return { typed: WEAVIATE_DATE_MIN, exact: false };
  if (ms > MAX_MS) return { typed: WEAVIATE_DATE_MAX, exact: false };
  if (SUB_MILLISECOND.test(text)) return { typed: text, exact: false };
  return { typed: new Date(ms).toISOString(), exact: true };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text as a Weaviate `text` property. NUL (`\u0000`), emoji and multi-megabyte text are stored
 * and read back exactly (measured, REST and gRPC). A lone UTF-16 surrogate (legal in JSON, not in
 * UTF-8) makes the gRPC batch request fail as a whole (`string field contains invalid UTF-8`), so
 * each one is replaced by U+FFFD in the typed value; the original stays in `rawValues` (JSON
 * escapes it as `\udXXX`, which is valid UTF-8).
 */
export function textValue(text: string): TypedValue<string> {
  LONE_SURROGATE.lastIndex = 0;
  if (!LONE_SURROGATE.test(text)) return { typed: text, exact: true };
  LONE_SURROGATE.lastIndex = 0;
  return { typed: text.replace(LONE_SURROGATE, '\ufffd'), exact: false };
}

export function textListValue(items: readonly string[]): TypedValue<string[]> {
  const typed = items.map(textValue);
  return { typed: typed.map((t) => t.typed), exact: typed.every((t) => t.exact) };
}

/** The original values of an object's lossy properties: property name -> source value. */
export type RawValues = Record<string, string | string[]>;

/**
 * Collects the typed values of an object's properties and, for those that are not exact, the
 * original values: `lossyFields` (sorted property names) and `rawValues` (JSON text, keys in the
 * same order, so equal content gives equal text), or null when every value is exact.
 */
export class LossyFields {
  private readonly raw: RawValues = {};

  date(property: string, text: string): string;
  date(property: string, text: string | null): string | null;
  date(property: string, text: string | null): string | null {
    return text === null ? null : this.keep(property, text, dateValue(text));
  }

  text(property: string, text: string): string;
  text(property: string, text: string | null): string | null;
  text(property: string, text: string | null): string | null {
    return text === null ? null : this.keep(property, text, textValue(text));
  }

  textList(property: string, items: readonly string[]): string[] {
    return this.keep(property, [...items], textListValue(items));
  }

  private keep<T>(property: string, original: string | string[], value: TypedValue<T>): T {
    if (!value.exact) this.raw[property] = original;
    return value.typed;
  }

  fields(): string[] {
    return Object.keys(this.raw).sort();
  }

  rawValuesText(): string | null {
    const fields = this.fields();
    return fields.length === 0 ? null : JSON.stringify(Object.fromEntries(fields.map((f) => [f, this.raw[f]])));
  }
}

/** Parses a stored `rawValues` property (absent, or JSON text of an object); anything else is empty. */
export function parseRawValues(stored: unknown): RawValues {
  if (typeof stored !== 'string' || stored === '') return {};
  const parsed: unknown = JSON.parse(stored);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const out: RawValues = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value as string[];
  }
  return out;
}

/**
 * A stored object's properties with every lossy property replaced by its original value: what
 * the source held, for readers (the consistency checker) that compare values, not typed
 * representations.
 */
export function withRawValues(properties: Record<string, unknown>): Record<string, unknown> {
  const raw = parseRawValues(properties.rawValues);
  return Object.keys(raw).length === 0 ? properties : { ...properties, ...raw };
}
