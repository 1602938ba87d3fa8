/**
 * JSON with its numbers kept as written. PostgreSQL prints jsonb numbers as numeric text
 * (`1.50`, `12345678901234567890`, `0.0000001`, never an exponent); JSON.parse makes them doubles,
 * so `1.50` would come back as `1.5`, the 20-digit one rounded and anything past 1.8e308 as null.
 * A number whose double does not print back to its text is kept as JSON.rawJSON(text): it is
 * stringified exactly as written (Node 21+), and reads as an ordinary number for JSON.parse.
 */
interface JsonWithSource {
  parse(text: string, reviver: (key: string, value: unknown, context: { source?: string }) => unknown): unknown;
  rawJSON(text: string): unknown;
  isRawJSON(value: unknown): boolean;
}
const json = JSON as unknown as JsonWithSource;

/**
 * A number token (after `:`, `[` or `,`, before `,`, `]` or `}`) a double may not print back: 16
 * or more digits and dots, a fraction ending in 0, or 6 leading fraction zeros (JS prints those in
 * exponent form). Only a text with one takes the slower, exact, path; a timestamp's `05.120Z` or a
 * position's 16 hex digits are no number tokens, so envelopes rarely do. A string that happens to
 * hold `:1.50,` costs time, not exactness.
 */
const MAYBE_INEXACT = /(?:^|[:,[])\s*-?(?:[\d.]{16,}|\d+\.\d*0|0\.0{6}\d*)\s*(?:[,}\]]|$)/;

function keepSource(_key: string, value: unknown, context: { source?: string }): unknown {
  return typeof value === 'number' && context.source !== undefined && String(value) !== context.source
    ? json.rawJSON(context.source)
    : value;
}

/** JSON.parse, with every number a double cannot print back kept as its text (see above). */
export function parseJsonExact(text: string): unknown {
  return MAYBE_INEXACT.test(text) ? json.parse(text, keepSource) : JSON.parse(text);
}

/** The text of a number parseJsonExact kept as written, or null for any other value. */
export function rawJsonText(value: unknown): string | null {
  return typeof value === 'object' && value !== null && json.isRawJSON(value) ? String((value as { rawJSON: string }).rawJSON) : null;
}
