import { randomUUID } from 'node:crypto';
import type { CanonicalText } from '../hashing/canonical-value';
import { profileOf } from '../profiles/hash-profile';
import { InMemoryView } from '../testing/in-memory.view';
import { DEFAULT_SEGMENT_DIFF } from '../diff/segment-diff';
import { contentPair, countPair, type PairCheckOptions } from './pair-check';
import { PLAN_THRESHOLDS } from './thresholds';

const profile = profileOf('opportunity', { title: 'title', agency: 'agency' });
const cutoff = new Date('2026-03-01T00:00:00Z');
const before = new Date('2026-02-01T00:00:00Z');
const after = new Date('2026-03-02T00:00:00Z');
const options: PairCheckOptions = {
  thresholds: PLAN_THRESHOLDS,
  cutoff,
  maxListed: 10,
  sampleSize: 5,
  segments: DEFAULT_SEGMENT_DIFF,
};

function data(n: number): Map<string, { fields: CanonicalText[]; changedAt: Date }> {
  return new Map(
    Array.from({ length: n }, (_, i) => [
      randomUUID(),
      { fields: ['agency', `title ${i}`] as CanonicalText[], changedAt: before },
    ]),
  );
}

describe('comparing one pair of stores', () => {
  it('sets rows changed after the cutoff apart as in flight and counts only the others', async () => {
    const source = data(1_000);
    const ids = [...source.keys()];
    source.set(ids[0], { fields: ['agency', 'renamed just now'], changedAt: after });
    source.set(ids[1], { fields: ['agency', 'renamed long ago'], changedAt: before });
    const late = randomUUID();
    source.set(late, { fields: ['agency', 'inserted just now'], changedAt: after });
    const target = new Map([...source].filter(([id]) => id !== late));
    target.set(ids[0], { fields: ['agency', 'title 0'], changedAt: before });
    target.set(ids[1], { fields: ['agency', 'title 1'], changedAt: before });
    const report = await contentPair(
      {
        entity: 'opportunity',
        target: 'kafka',
        source: new InMemoryView('postgres', profile, source),
        targetView: new InMemoryView('kafka', profile, target),
      },
      options,
    );
    expect(report.inFlight.rows.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { id: ids[0], kind: 'different', changedAt: after.toISOString() },
      { id: late, kind: 'missing', changedAt: after.toISOString() },
    ]);
    expect(report).toMatchObject({
      discrepancies: 1,
      missing: { count: 0 },
      different: { count: 1, ids: [ids[1]] },
    });
    expect(report.different.samples).toEqual([
      { id: ids[1], fields: [{ field: 'title', source: 'renamed long ago', target: 'title 1' }] },
    ]);
  });

  it('treats a row only the target still has as in flight when the topic shows its delete after the cutoff', async () => {
    const source = data(10);
    const gone = randomUUID();
    const stale = randomUUID();
    const target = new Map(source);
    target.set(gone, { fields: ['agency', 'deleted just now'], changedAt: before });
    target.set(stale, { fields: ['agency', 'deleted long ago'], changedAt: before });
    const report = await contentPair(
      {
        entity: 'opportunity',
        target: 'weaviate',
        source: new InMemoryView('postgres', profile, source),
        targetView: new InMemoryView('weaviate', profile, target),
        deletedAt: async () =>
          new Map([
            [gone, after],
            [stale, before],
          ]),
      },
      options,
    );
    expect(report.extra.ids).toEqual([stale]);
    expect(report.inFlight.rows).toEqual([{ id: gone, kind: 'extra', changedAt: after.toISOString() }]);
  });

  it('in count mode compares the numbers, never dividing zero by zero', () => {
    expect(countPair('opportunity', 'clickhouse', 0, 0, PLAN_THRESHOLDS)).toMatchObject({
      discrepancies: 0,
      discrepancyRate: 0,
      passed: true,
    });
    expect(countPair('opportunity', 'clickhouse', 1_000, 0, PLAN_THRESHOLDS)).toMatchObject({
      discrepancies: 1_000,
      discrepancyRate: 1,
      passed: false,
    });
  });

  it('counts missing rows a dead letter explains apart from the unexplained, and only those against the thresholds', async () => {
    const source = data(200);
    const ids = [...source.keys()];
    const target = new Map([...source].filter(([id]) => !ids.slice(0, 5).includes(id)));
    const explain = (id: string) => ({
      stage: 'clickhouse-populator',
      code: 'VALIDATION_FAILED',
      message: `${id}: eventType is missing`,
      field: 'eventType',
      limit: null,
      at: before.toISOString(),
      topic: 'dlq.t',
      partition: 0,
      offset: '1',
    });
    const asked: string[][] = [];
    const report = await contentPair(
      {
        entity: 'opportunity',
        target: 'clickhouse',
        source: new InMemoryView('postgres', profile, source),
        targetView: new InMemoryView('clickhouse', profile, target),
        // ids 0-3 are dead-lettered, id 4 is not.
        deadLettered: async (missing) => {
          asked.push([...missing]);
          return new Map(missing.filter((id) => ids.slice(0, 4).includes(id)).map((id) => [id, explain(id)]));
        },
      },
      { ...options, thresholds: { maxDiscrepancies: 0, maxDiscrepancyRate: 1 } },
    );
    expect(asked.flat().sort()).toEqual(ids.slice(0, 5).sort());
    expect(report.deadLettered.count).toBe(4);
    expect(report.deadLettered.rows.map((r) => r.id).sort()).toEqual(ids.slice(0, 4).sort());
    expect(report.deadLettered.rows[0]).toMatchObject({ stage: 'clickhouse-populator', code: 'VALIDATION_FAILED', field: 'eventType' });
    expect(report).toMatchObject({ matched: 195, missing: { count: 1, ids: [ids[4]] }, discrepancies: 1, passed: false });
    expect(report.reasons).toEqual(['1 discrepancies exceed the limit of 0']);
  });

  it('passes a pair whose only missing rows are dead-lettered, listing at most maxListed of them', async () => {
    const source = data(50);
    const ids = [...source.keys()];
    const target = new Map([...source].filter(([id]) => !ids.slice(0, 20).includes(id)));
    const report = await contentPair(
      {
        entity: 'opportunity',
        target: 'kafka',
        source: new InMemoryView('postgres', profile, source),
        targetView: new InMemoryView('kafka', profile, target),
        deadLettered: async (missing) =>
          new Map(
            missing.map((id) => [
              id,
              { stage: 'kafka-migrator', code: 'MESSAGE_TOO_LARGE', message: 'too big', field: '(event)', limit: 1000, at: '', topic: 'dlq', partition: 0, offset: '0' },
            ]),
          ),
      },
      { ...options, thresholds: { maxDiscrepancies: 0, maxDiscrepancyRate: 0 }, maxListed: 10 },
    );
    expect(report).toMatchObject({ passed: true, discrepancies: 0, missing: { count: 0 }, deadLettered: { count: 20 }, matched: 30 });
    expect(report.deadLettered.rows).toHaveLength(10);
  });
});
