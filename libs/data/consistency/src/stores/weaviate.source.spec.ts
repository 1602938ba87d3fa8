import type { OpportunityData } from '@mch/contracts';
import { indexCollectionNames, opportunityProperties, toWeaviateProperties } from '@mch/data-weaviate-index';
import { sampleOpportunity } from '@mch/data-weaviate-index/testing';
import { canonicalFields } from '../profiles/hash-profile';
import { weaviateViews } from '../profiles/weaviate-profile';
import { canonicalObject, previousUuid, sliceBounds } from './weaviate.source';
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

describe('canonical text of a Weaviate object', () => {
  const view = weaviateViews(indexCollectionNames('Spec')).opportunity;
  const version = {
    position: 'lsn:0000000000000001',
    embeddingsVersion: 1,
    lineage: { eventId: '00000000-0000-4000-8000-000000000001', correlationId: '00000000-0000-4000-8000-000000000002', causationId: null, migrationRun: null, migrationId: null, timestamp: '2026-01-01T00:00:00.000Z' },
  };
  /** The object as the gRPC client reads it back: dates as millisecond Dates. */
  const storedAsRead = (data: OpportunityData): Record<string, unknown> => {
    const sent: Record<string, unknown> = toWeaviateProperties(opportunityProperties(data, [], version));
    for (const d of ['postedDate', 'responseDeadline', 'archiveDate', 'sourceUpdatedAt']) if (typeof sent[d] === 'string') sent[d] = new Date(String(sent[d]));
    return sent;
  };

  it("compares a flagged property's original text, so values Weaviate cannot hold match the source", () => {
    if (!view) throw new Error('no opportunity view');
    const data = sampleOpportunity('1c7f1a3e-5b2d-4c8e-9f01-23456789abcd', {
      postedDate: '0001-01-01T00:00:00.000Z',
      responseDeadline: 'infinity',
      archiveDate: '1969-12-31T23:59:59.999999Z',
      updatedAt: '-000043-03-15T00:00:00.000Z',
      title: 'NUL\u0000 kept',
    });
    const source = canonicalFields(view.profile, data as unknown as Record<string, unknown>);
    expect(source).toEqual(expect.arrayContaining(['infinity', '1969-12-31T23:59:59.999999Z', '-000043-03-15T00:00:00.000Z']));
    expect(canonicalObject(view, storedAsRead(data))).toEqual(source);
  });

  it('still reports a changed value: the typed property of an unflagged field is compared', () => {
    if (!view) throw new Error('no opportunity view');
    const data = sampleOpportunity('1c7f1a3e-5b2d-4c8e-9f01-23456789abcd');
    const stored = { ...storedAsRead(data), postedDate: new Date('2026-02-01T14:00:00.001Z') };
    expect(canonicalObject(view, stored)).not.toEqual(canonicalFields(view.profile, data as unknown as Record<string, unknown>));
  });
});
