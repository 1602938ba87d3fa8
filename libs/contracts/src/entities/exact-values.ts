/**
 * The forms in which entity events carry PostgreSQL's values exactly (docs/kafka-migrator.md,
 * "Values the events carry exactly"). Timestamps: ISO-8601 (the migrator writes UTC `Z` with 3
 * or, with sub-millisecond digits, 6 fraction digits; other producers may send offsets), years
 * outside 0000-9999 in the expanded form Date#toISOString prints (`+010000`, `-000043`; 1 BC is
 * 0000), and PostgreSQL's `infinity` / `-infinity`. Decimals: PostgreSQL's numeric text,
 * `NaN`, `Infinity` and `-Infinity`.
 */
const TIMESTAMP =
  /^(?:(\d{4}|(?!-000000)[+-]\d{6})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)|infinity|-infinity)$/;

export const EVENT_DECIMAL = /^(?:-?\d+(?:\.\d+)?|NaN|Infinity|-Infinity)$/;

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** True for an event timestamp in one of the forms above, on a day its month has. */
export function isEventTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  if (m[1] === undefined) return true; // infinity, -infinity
  const day = Number(m[3]);
  if (day <= 28) return true;
  const month = Number(m[2]);
  const max = month === 2 ? (isLeap(Number(m[1])) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= max;
}
