import { partitionGroups } from './partition-groups';

const rows = (months: string[]) => months.map((partition, i) => ({ line: `${i}\t${partition}\n`, partition }));

describe('partitionGroups', () => {
  it('keeps a batch within the limit (or without one) as one insert, in its order', () => {
    const batch = rows(['202503', '202401', '202503', '197001']);
    expect(partitionGroups(batch, 3)).toEqual([batch.map((r) => r.line)]);
    expect(partitionGroups(batch, null)).toEqual([batch.map((r) => r.line)]);
    expect(partitionGroups([], 100)).toEqual([]);
  });

  it('splits a batch over the limit into inserts of at most `limit` partitions, losing no line', () => {
    const months = Array.from({ length: 250 }, (_, i) => `${2000 + Math.floor(i / 12)}${String((i % 12) + 1).padStart(2, '0')}`);
    const batch = rows([...months, ...months.slice(0, 40)]);
    const groups = partitionGroups(batch, 100);
    expect(groups).toHaveLength(3);
    const partitionsOf = (group: string[]) => new Set(group.map((line) => line.split('\t')[1].trim()));
    expect(groups.map((g) => partitionsOf(g).size)).toEqual([100, 100, 50]);
    expect(groups.flat().sort()).toEqual(batch.map((r) => r.line).sort());
    // A partition is never split across inserts.
    const seen = groups.map(partitionsOf);
    expect(seen[0].has('200001') && !seen[1].has('200001') && !seen[2].has('200001')).toBe(true);
  });
});
