import { ChunkSizer, rowTextBytes } from './chunk-sizer';

describe('ChunkSizer', () => {
  it('starts small and grows 4x per chunk up to the row bound while rows are small', () => {
    const sizer = new ChunkSizer(5_000, 16 * 1024 * 1024);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(sizer.nextRows);
      sizer.observe(sizer.nextRows, sizer.nextRows * 2_000);
    }
    expect(seen).toEqual([100, 400, 1_600, 5_000, 5_000]);
  });

  it('takes as many rows as fit the byte bound once rows are large, and grows back when they are small again', () => {
    const sizer = new ChunkSizer(5_000, 16 * 1024 * 1024, 5_000);
    sizer.observe(5_000, 5_000 * 3 * 1024 * 1024); // 3 MiB documents
    expect(sizer.nextRows).toBe(5);
    sizer.observe(5, 5 * 2_000);
    expect(sizer.nextRows).toBe(20);
  });

  it('never asks for fewer than one row, whatever one row weighs', () => {
    const sizer = new ChunkSizer(5_000, 1024);
    sizer.observe(100, 100 * 1024 * 1024);
    expect(sizer.nextRows).toBe(1);
  });

  it('keeps the size after an empty chunk, and never exceeds the row bound', () => {
    const sizer = new ChunkSizer(300, Number.POSITIVE_INFINITY, 1_000);
    expect(sizer.nextRows).toBe(300);
    sizer.observe(0, 0);
    expect(sizer.nextRows).toBe(300);
  });
});

describe('rowTextBytes', () => {
  it('sums the text of every value, nulls as nothing', () => {
    expect(rowTextBytes([{ id: 'abc', title: 'hello', notes: null }, { id: 'de', title: undefined }])).toBe(10);
  });
});
