import { shardRange } from './key-range';

describe('shardRange', () => {
  it('is the whole key space for one shard', () => {
    expect(shardRange(0, 1)).toEqual({ lower: '00000000-0000-0000-0000-000000000000', upper: null });
  });

  it('splits into adjacent slices: each upper bound is the next lower bound', () => {
    const shards = [0, 1, 2].map((i) => shardRange(i, 3));
    expect(shards[0].upper).toBe(shards[1].lower);
    expect(shards[1].upper).toBe(shards[2].lower);
    expect(shards[2].upper).toBeNull();
    expect(shards[1].lower).toBe('55555555-5555-5555-5555-555555555555');
  });

  it('refuses an index outside the count', () => {
    expect(() => shardRange(3, 3)).toThrow('shard index must be in [0, 3), got 3');
  });
});
