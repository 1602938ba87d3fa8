import { previousUuid, sliceBounds } from './weaviate.source';
import { ClientSideRows } from './client-side.rows';

describe('reading Weaviate in id slices', () => {
  it('splits the id space into equal slices whose bounds are ordered as the cursor walks ids', () => {
    expect(sliceBounds(4)).toEqual([
      null,
      '40000000-0000-0000-0000-000000000000',
      '80000000-0000-0000-0000-000000000000',
      'c0000000-0000-0000-0000-000000000000',
    ]);
    expect(sliceBounds(1)).toEqual([null]);
  });

  it('starts a slice at its bound: the cursor reads ids after the one just before it', () => {
    expect(previousUuid('40000000-0000-0000-0000-000000000000')).toBe('3fffffff-ffff-ffff-ffff-ffffffffffff');
    expect(previousUuid('00000000-0000-0000-0000-000000000001')).toBe('00000000-0000-0000-0000-000000000000');
  });
});

describe('client-side segment summaries', () => {
  it('answers for prefixes of different lengths at once, like the databases do', () => {
    const rows = new ClientSideRows(new Map([['0000000a-0000-4000-8000-00000000000b', '0000000000000001']]));
    // md5 of that id starts with '2c' (the same in PostgreSQL and ClickHouse).
    expect(rows.summarize(2, null)).toEqual(new Map([['2c', { count: 1, sum: 1n }]]));
    expect(rows.summarize(4, ['3', '2c']).size).toBe(1);
    expect(rows.rowHashes(['2', 'ff']).size).toBe(1);
    expect(rows.rowHashes(['2d']).size).toBe(0);
  });
});
