import { randomUUID } from 'node:crypto';
import { profileOf } from '../profiles/hash-profile';
import { InMemoryView } from '../testing/in-memory.view';
import type { CanonicalText } from '../hashing/canonical-value';
import { diffSegments } from './segment-diff';

const profile = profileOf('opportunity', { title: 'title', agency: 'agency' });
type Rows = Map<string, { fields: CanonicalText[] }>;

function rows(n: number): Rows {
  return new Map(
    Array.from({ length: n }, (_, i) => [
      randomUUID(),
      { fields: [`agency ${i % 7}`, `title ${i}`] as CanonicalText[] },
    ]),
  );
}

describe('segment diff (data-diff style recursion)', () => {
  it('finds nothing and asks for no rows when every segment matches', async () => {
    const data = rows(5_000);
    const source = new InMemoryView('postgres', profile, data);
    const target = new InMemoryView('kafka', profile, new Map(data));
    const diff = await diffSegments(source, target, { topLength: 2, leafRows: 100, step: 2 });
    expect(diff).toMatchObject({
      missing: [],
      extra: [],
      different: [],
      sourceCount: 5_000,
      targetCount: 5_000,
      differingSegments: 0,
      depth: 1,
    });
    expect(source.queries).toEqual({ summarize: 1, rowHashes: 1, canonicalRows: 0 });
    expect(diff.sourceRows.size).toBe(0);
  });

  it('recurses into differing segments and names exactly the missing, extra and different ids', async () => {
    const data = rows(20_000);
    const copy: Rows = new Map(data);
    const ids = [...data.keys()];
    copy.delete(ids[10]);
    copy.set(ids[20], { fields: ['agency 1', 'changed'] });
    const extra = randomUUID();
    copy.set(extra, { fields: ['x', 'y'] });
    const source = new InMemoryView('postgres', profile, data);
    const target = new InMemoryView('clickhouse', profile, copy);
    const diff = await diffSegments(source, target, { topLength: 1, leafRows: 50, step: 1 });
    expect({ missing: diff.missing, extra: diff.extra, different: diff.different }).toEqual({
      missing: [ids[10]],
      extra: [extra],
      different: [ids[20]],
    });
    expect(diff.depth).toBeGreaterThan(2);
    // Only the rows of the few small leaf segments were compared one by one.
    expect(diff.sourceRows.size).toBeLessThan(200);
  });

  it('compares a segment present on one side only', async () => {
    const data = rows(300);
    const source = new InMemoryView('postgres', profile, data);
    const target = new InMemoryView('weaviate', profile, new Map());
    const diff = await diffSegments(source, target, { topLength: 2, leafRows: 1_000, step: 2 });
    expect(diff.missing).toEqual([...data.keys()].sort());
    expect(diff.targetCount).toBe(0);
  });
});
