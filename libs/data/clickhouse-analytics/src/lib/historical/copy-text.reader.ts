import type { Readable } from 'node:stream';

export type CopyRow = Record<string, string | null>;

const SIMPLE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** One field of PostgreSQL's COPY text format: `\N` is NULL, backslash escapes are undone. */
export function decodeCopyField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, escape: string) => {
    if (escape in SIMPLE) return SIMPLE[escape];
    if (escape[0] === 'x') return String.fromCharCode(parseInt(escape.slice(1), 16));
    if (/^[0-7]/.test(escape)) return String.fromCharCode(parseInt(escape, 8));
    return escape;
  });
}

/**
 * Rows of a `COPY ... TO STDOUT` (text format) as they stream in, keyed by the column names the
 * query selected. Lines are cut on the newline byte before UTF-8 decoding, so a character split
 * across network chunks is never mangled.
 */
export async function* copyTextRows(stream: Readable, columns: readonly string[]): AsyncGenerator<CopyRow> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buffer = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let newline = buffer.indexOf(10);
    while (newline !== -1) {
      yield toRow(buffer.subarray(0, newline).toString('utf8'), columns);
      buffer = buffer.subarray(newline + 1);
      newline = buffer.indexOf(10);
    }
    rest = Buffer.from(buffer);
  }
  if (rest.length > 0) yield toRow(rest.toString('utf8'), columns);
}

function toRow(line: string, columns: readonly string[]): CopyRow {
  const fields = line.split('\t');
  if (fields.length !== columns.length) throw new Error(`COPY line has ${fields.length} fields, expected ${columns.length}`);
  const row: CopyRow = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]] = decodeCopyField(fields[i]);
  return row;
}
