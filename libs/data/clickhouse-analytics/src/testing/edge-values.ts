import { createHash } from 'node:crypto';
import type { EventEnvelope } from '@mch/contracts';
import { entityEvent, opportunityData, testId } from './event-factory';

/**
 * Legal source values an analytics column cannot hold as they are (issue 12), one opportunity
 * event each, with what the typed column holds on each server and whether the row is flagged.
 * `legacy` / `current`: the typed value as `typedValueSql` prints it, null for NULL.
 */
export interface EdgeCase {
  label: string;
  /** Event data field and the stored column it goes to. */
  field: string;
  column: string;
  value: string;
  kind: 'timestamp' | 'decimal' | 'string';
  legacy: { typed: string | null; flagged: boolean };
  current: { typed: string | null; flagged: boolean };
}

const FIVE_MB_TEXT = `${'Surgical instruments 🩺 for VA medical centers; Ø±µL°C\t"q"\\ '.repeat(80_000)}🙂 end`;

export const EDGE_CASES: readonly EdgeCase[] = [
  { label: 'year-1', field: 'awardDate', column: 'award_date', value: '0001-01-01T00:00:00.000Z', kind: 'timestamp', legacy: { typed: null, flagged: true }, current: { typed: null, flagged: true } },
  {
    label: 'year-1-required',
    field: 'postedDate',
    column: 'posted_date',
    value: '0001-01-01T00:00:00.000Z',
    kind: 'timestamp',
    legacy: { typed: '1970-01-01 00:00:00.000', flagged: true },
    current: { typed: '1900-01-01 00:00:00.000', flagged: true },
  },
  {
    label: '1969-sub-ms',
    field: 'awardDate',
    column: 'award_date',
    value: '1969-12-31T23:59:59.999999Z',
    kind: 'timestamp',
    legacy: { typed: null, flagged: true },
    current: { typed: '1969-12-31 23:59:59.999', flagged: true },
  },
  {
    label: '2106',
    field: 'archiveDate',
    column: 'archive_date',
    value: '2106-02-08T06:28:16.000Z',
    kind: 'timestamp',
    legacy: { typed: null, flagged: true },
    current: { typed: '2106-02-08 06:28:16.000', flagged: false },
  },
  {
    label: '9999-sub-ms-required',
    field: 'responseDeadline',
    column: 'response_deadline',
    value: '9999-12-31T23:59:59.999999Z',
    kind: 'timestamp',
    legacy: { typed: '2105-12-31 23:59:59.999', flagged: true },
    current: { typed: '2299-12-31 23:59:59.999', flagged: true },
  },
  { label: 'bc', field: 'archiveDate', column: 'archive_date', value: '-000043-03-15T00:00:00.000Z', kind: 'timestamp', legacy: { typed: null, flagged: true }, current: { typed: null, flagged: true } },
  {
    label: 'expanded-year',
    field: 'awardDate',
    column: 'award_date',
    value: '+275760-09-13T00:00:00.000Z',
    kind: 'timestamp',
    legacy: { typed: null, flagged: true },
    current: { typed: null, flagged: true },
  },
  {
    label: 'infinity-required',
    field: 'responseDeadline',
    column: 'response_deadline',
    value: 'infinity',
    kind: 'timestamp',
    legacy: { typed: '2105-12-31 23:59:59.999', flagged: true },
    current: { typed: '2299-12-31 23:59:59.999', flagged: true },
  },
  // created_at is the partition key: NULL puts the row in the epoch month, as tombstones are.
  { label: 'minus-infinity', field: 'createdAt', column: 'created_at', value: '-infinity', kind: 'timestamp', legacy: { typed: null, flagged: true }, current: { typed: null, flagged: true } },
  {
    label: 'sub-ms',
    field: 'updatedAt',
    column: 'updated_at',
    value: '2025-03-02T15:00:00.123456Z',
    kind: 'timestamp',
    legacy: { typed: '2025-03-02 15:00:00.123', flagged: true },
    current: { typed: '2025-03-02 15:00:00.123', flagged: true },
  },
  { label: 'nan', field: 'awardAmount', column: 'award_amount', value: 'NaN', kind: 'decimal', legacy: { typed: null, flagged: true }, current: { typed: null, flagged: true } },
  { label: 'infinity-amount', field: 'estimatedValueMax', column: 'estimated_value_max', value: 'Infinity', kind: 'decimal', legacy: { typed: null, flagged: true }, current: { typed: null, flagged: true } },
  { label: 'minus-infinity-amount', field: 'estimatedValueMin', column: 'estimated_value_min', value: '-Infinity', kind: 'decimal', legacy: { typed: null, flagged: true }, current: { typed: null, flagged: true } },
  {
    label: 'overflow',
    field: 'awardAmount',
    column: 'award_amount',
    value: '1000000000000000000000000000000.00',
    kind: 'decimal',
    legacy: { typed: null, flagged: true },
    current: { typed: null, flagged: true },
  },
  { label: 'nul', field: 'awardeeName', column: 'awardee_name', value: 'Acme\u0000 Medical', kind: 'string', legacy: { typed: 'Acme\u0000 Medical', flagged: false }, current: { typed: 'Acme\u0000 Medical', flagged: false } },
  {
    label: 'surrogate',
    field: 'awardeeName',
    column: 'awardee_name',
    value: 'Acme \ud83d Medical',
    kind: 'string',
    legacy: { typed: 'Acme \ufffd Medical', flagged: true },
    current: { typed: 'Acme \ufffd Medical', flagged: true },
  },
  { label: 'five-mb', field: 'title', column: 'title', value: FIVE_MB_TEXT, kind: 'string', legacy: { typed: FIVE_MB_TEXT, flagged: false }, current: { typed: FIVE_MB_TEXT, flagged: false } },
];

export const EDGE_CAUSATION_ID = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';

export const edgeId = (c: EdgeCase) => testId(`edge-value-${c.label}`);

/** The opportunity event of an edge case, caused by EDGE_CAUSATION_ID. */
export function edgeEvent(c: EdgeCase): EventEnvelope {
  const id = edgeId(c);
  const event = entityEvent('opportunity', id, 1, 'snapshot', opportunityData(id, { [c.field]: c.value }));
  return { ...event, metadata: { ...event.metadata, causationId: EDGE_CAUSATION_ID } };
}

/**
 * SELECT of one edge case's stored row: the typed value as text (timestamps to the millisecond on
 * both servers), the flags, the original text read back with visitParamExtractString (18.16 and
 * current), and the causation id. Long text is compared by MD5.
 */
export function edgeRowSql(c: EdgeCase, dateTime64: boolean, table = 'opportunity_events'): string {
  const col = `\`${c.column}\``;
  const typed =
    c.kind === 'timestamp' && !dateTime64
      ? // 18.16 prints the epoch second as 0000-00-00 00:00:00.
        `if(isNull(${col}), NULL, concat(if(toUInt32(assumeNotNull(${col})) = 0, '1970-01-01 00:00:00', toString(${col})), '.', substring(toString(1000 + \`${c.column}_ms\`), 2, 3)))`
      : c.kind === 'string'
        ? `if(isNull(${col}), NULL, if(length(${col}) > 100000, lower(hex(MD5(assumeNotNull(${col})))), ${col}))`
        : `toString(${col})`;
  return `SELECT ${typed} AS typed, lossy_fields, visitParamExtractString(raw_values, '${c.column}') AS original, raw_values, toString(causation_id) AS causation
    FROM ${table} WHERE opportunity_id = '${edgeId(c)}'`;
}

/** What edgeRowSql's `typed` is expected to print for the case on this server. */
export function expectedTyped(c: EdgeCase, dateTime64: boolean): string | null {
  const typed = (dateTime64 ? c.current : c.legacy).typed;
  if (typed !== null && c.kind === 'string' && Buffer.byteLength(typed) > 100_000) return createHash('md5').update(typed, 'utf8').digest('hex');
  return typed;
}
