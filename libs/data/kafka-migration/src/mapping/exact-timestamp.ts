/**
 * The exact text of a timestamptz in events (docs/kafka-migrator.md, "Values the events carry
 * exactly"): ISO-8601 UTC with milliseconds (`2026-01-02T03:04:05.678Z`), six fraction digits only
 * when the value has sub-millisecond digits, years outside 0000-9999 in the expanded form
 * `Date#toISOString` prints (`+010000-...`, `-000043-...`; astronomical numbering: 1 BC is 0000),
 * and `infinity` / `-infinity` as PostgreSQL names them.
 *
 * Computed with integer day numbers and microseconds, never through Date: Date keeps
 * milliseconds only and ends in the year 275760, PostgreSQL keeps microseconds up to 294276.
 */

/** The text output of a timestamptz (`0044-03-15 01:02:03.5+00:19:32 BC`), its jsonb form (`...T...+00:00 BC`), or ISO with Z / expanded years. */
const ANY_FORM =
  /^([+-]\d{6}|\d{4,6})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)( BC)?$/;

const DAY_US = 86_400_000_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), any year. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (month <= 2 ? 1 : 0), month, day];
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The year as Date#toISOString prints it: four digits in 0000-9999, else sign and six digits. */
export function isoYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`;
}

/** The fraction digits of PostgreSQL's output (1-6 digits, trailing zeros dropped) in the event's form. */
export function fractionFromDigits(digits: string): string {
  if (digits.length <= 3) return digits.padEnd(3, '0');
  const six = digits.padEnd(6, '0');
  return six.endsWith('000') ? six.slice(0, 3) : six;
}

const daysInMonth = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/**
 * Any textual form of a timestamptz (PostgreSQL's text or jsonb output at any session time zone
 * offset, BC suffix included, or the event's own ISO form) in the event's exact form; null when
 * the text is none of them. Fraction digits beyond microseconds (other stores' nanoseconds) are
 * cut, as PostgreSQL cannot hold them.
 */
export function exactTimestampText(text: string): string | null {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = ANY_FORM.exec(text);
  if (!m) return null;
  const [, yearText, monthText, dayText, hh, mi, ss, digits = '', zulu, sign, oh, om = '0', os = '0', bc] = m;
  let year = Number(yearText);
  if (bc) {
    // PostgreSQL's BC years count from 1 and carry no sign; astronomical year = 1 - year.
    if (yearText.startsWith('+') || yearText.startsWith('-') || year < 1) return null;
    year = 1 - year;
  }
  const month = Number(monthText);
  const day = Number(dayText);
  const [hour, minute, second] = [Number(hh), Number(mi), Number(ss)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (!zulu && !sign) return null;
  const offsetSeconds = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os)) : 0;
  if (Math.abs(offsetSeconds) >= 86_400 || Number(om) > 59 || Number(os) > 59) return null;
  const micros = Number(digits.slice(0, 6).padEnd(6, '0'));
  let days = daysFromCivil(year, month, day);
  let dayUs = ((hour * 60 + minute) * 60 + second - offsetSeconds) * 1_000_000 + micros;
  if (dayUs < 0) {
    days -= 1;
    dayUs += DAY_US;
  } else if (dayUs >= DAY_US) {
    days += 1;
    dayUs -= DAY_US;
  }
  const [y, mo, d] = civilFromDays(days);
  const secondsOfDay = Math.floor(dayUs / 1_000_000);
  return `${isoYear(y)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(Math.floor(secondsOfDay / 3600), 2)}:${pad(Math.floor(secondsOfDay / 60) % 60, 2)}:${pad(secondsOfDay % 60, 2)}.${fractionFromDigits(pad(dayUs % 1_000_000, 6))}Z`;
}
