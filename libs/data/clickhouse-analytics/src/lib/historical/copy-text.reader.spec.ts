import { Readable } from 'node:stream';
import { copyTextRows, decodeCopyField } from './copy-text.reader';

describe('COPY text decoding', () => {
  it('undoes every escape PostgreSQL writes and reads \\N as NULL', () => {
    expect(decodeCopyField('\\N')).toBeNull();
    expect(decodeCopyField('a\\tb\\nc\\\\d\\re')).toBe('a\tb\nc\\d\re');
    expect(decodeCopyField('literal \\\\N')).toBe('literal \\N');
  });

  it('cuts lines on bytes, so a character split across chunks survives', async () => {
    const line = Buffer.from('1\tØsur\\tg\n2\t\\N\n', 'utf8');
    const split = line.indexOf(0xc3) + 1;
    const rows = [];
    for await (const row of copyTextRows(Readable.from([line.subarray(0, split), line.subarray(split)]), ['id', 'name'])) rows.push(row);
    expect(rows).toEqual([
      { id: '1', name: 'Øsur\tg' },
      { id: '2', name: null },
    ]);
  });
});
