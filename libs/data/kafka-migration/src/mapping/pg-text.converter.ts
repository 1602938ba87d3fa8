import { DomainException, ErrorCode } from '@mch/util-errors';
import { parseJsonExact } from './exact-json';
import { exactTimestampText, fractionFromDigits } from './exact-timestamp';

export { exactTimestampText } from './exact-timestamp';
export { parseJsonExact, rawJsonText } from './exact-json';

export type PgType = 'uuid' | 'text' | 'int' | 'numeric' | 'bool' | 'timestamptz' | 'jsonb' | 'text[]';

export interface ConversionContext {
  entity: string;
  id: string;
  field: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** PostgreSQL's numeric output: a decimal, or since PostgreSQL 14 NaN and ±Infinity (unconstrained numeric). */
const NUMERIC = /^(?:-?\d+(?:\.\d+)?|NaN|Infinity|-Infinity)$/;

/** PostgreSQL's text output of a timestamptz in a UTC session, years 0001-9999 AD. */
const PG_UTC_TIMESTAMP = /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])) ([01]\d|2[0-3])(:[0-5]\d:[0-5]\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * The event's form of the common case by slicing, with no Date and no arithmetic: it runs for
 * every timestamp of every row. Anything else (other offsets, BC, years past 9999, jsonb's form,
 * infinity) takes exactTimestampText.
 */
function utcTimestampIso(text: string): string | null {
  const m = PG_UTC_TIMESTAMP.exec(text);
  if (!m) return null;
  const [, date, hour, rest, fraction = ''] = m;
  return `${date}T${hour}${rest}.${fractionFromDigits(fraction)}Z`;
}

const BOUNDS = /^\[-?\d+:-?\d+\]=/;

function bad(ctx: ConversionContext, why: string): DomainException {
  return new DomainException(ErrorCode.ValidationFailed, `${ctx.entity} ${ctx.id}: field ${ctx.field} ${why}`, {
    entity: ctx.entity,
    id: ctx.id,
    field: ctx.field,
  });
}

/** PostgreSQL array literal ('{a,"b c",NULL}') to strings; one dimension, as the monolith uses. */
export function parsePgArray(text: string, ctx: ConversionContext): (string | null)[] {
  // An array whose lower bound is not 1 is printed with its bounds first ('[0:1]={a,b}'); the
  // elements are what the event carries.
  const bounds = BOUNDS.exec(text);
  const literal = bounds ? text.slice(bounds[0].length) : text;
  if (literal.startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(literal);
    } catch {
      throw bad(ctx, 'is not an array literal');
    }
    if (!Array.isArray(list) || list.some((e) => e !== null && typeof e !== 'string')) throw bad(ctx, 'is not a list of strings');
    return list as (string | null)[];
  }
  if (!literal.startsWith('{') || !literal.endsWith('}')) throw bad(ctx, `is not an array literal`);
  const body = literal.slice(1, -1);
  const out: (string | null)[] = [];
  if (body === '') return out;
  let i = 0;
  while (i <= body.length) {
    if (body[i] === '"') {
      let value = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        value += body[i++];
      }
      out.push(value);
      i += 2; // closing quote and comma
    } else {
      const end = body.indexOf(',', i);
      const raw = body.slice(i, end === -1 ? body.length : end);
      out.push(raw === 'NULL' ? null : raw);
      i = end === -1 ? body.length + 1 : end + 1;
    }
  }
  return out;
}

/**
 * Converts one column from its text output form (the backfill selects `col::text`, pgoutput
 * sends text, the trigger capture stores jsonb) to the event's JSON value. Anything that cannot
 * be carried faithfully is an error naming entity, id and field; nothing is coerced silently.
 */
export function fromPgText(type: PgType, text: string | null, ctx: ConversionContext): unknown {
  if (text === null) return null;
  if (text.includes('\u0000')) throw bad(ctx, 'contains a NUL character (\\u0000)');
  switch (type) {
    case 'text':
      return text;
    case 'uuid':
      if (!UUID.test(text)) throw bad(ctx, `is not a UUID: '${text.slice(0, 40)}'`);
      return text.toLowerCase();
    case 'int': {
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw bad(ctx, `is not an integer in range: '${text.slice(0, 40)}'`);
      return n;
    }
    case 'numeric':
      if (!NUMERIC.test(text)) throw bad(ctx, `is not a numeric value: '${text.slice(0, 40)}'`);
      return text;
    case 'bool':
      if (text === 't' || text === 'true') return true;
      if (text === 'f' || text === 'false') return false;
      throw bad(ctx, `is not a boolean: '${text}'`);
    case 'timestamptz': {
      const exact = utcTimestampIso(text) ?? exactTimestampText(text);
      if (exact === null) throw bad(ctx, `is not a timestamp: '${text.slice(0, 60)}'`);
      return exact;
    }
    case 'jsonb':
      try {
        return parseJsonExact(text);
      } catch {
        throw bad(ctx, 'is not valid JSON');
      }
    case 'text[]':
      return parsePgArray(text, ctx);
  }
}
