import { consumedRecords } from '../testing/consumed-records';
import { indexEnvelope } from '../testing/monolith-events';
import { sampleOpportunity } from '../testing/sample-data';
import { isNewer, latestPosition, newestPerRow, sameProperties } from './version-order';

const a = '1c7f1a3e-5b2d-4c8e-9f01-23456789abcd';
const b = '2d8e2b4f-6c3e-4d9f-8a12-3456789abcde';
const version = (id: string, position: number, title = 't') =>
  indexEnvelope('opportunity', id, sampleOpportunity(id, { title }), { operation: 'update', position });

describe('newestPerRow', () => {
  it('keeps the newest version of each row whatever the order, counting the others', () => {
    const records = consumedRecords([version(a, 5, 'a5'), version(a, 9, 'a9'), version(b, 3, 'b3'), version(a, 7, 'a7'), version(b, 3, 'b3')]);
    const { newest, superseded } = newestPerRow(records);
    expect([...newest.values()].map((r) => (r.value.data as { title: string }).title)).toEqual(['a9', 'b3']);
    expect(superseded).toBe(3);
  });
});

describe('positions', () => {
  it('orders by text, ignoring missing ones', () => {
    expect(latestPosition('lsn:000000000000000a', null, 'lsn:0000000000000009', undefined)).toBe('lsn:000000000000000a');
    expect(latestPosition(null, undefined)).toBeNull();
    expect(isNewer('lsn:000000000000000a', 'lsn:0000000000000009')).toBe(true);
    expect(isNewer('lsn:0000000000000009', 'lsn:0000000000000009')).toBe(false);
    expect(isNewer('lsn:0000000000000001', null)).toBe(true);
  });
});

describe('sameProperties', () => {
  it('compares values and arrays element-wise, treating absent as null', () => {
    expect(sameProperties({ x: 1, r: ['a', 'b'], n: null }, { x: 1, r: ['a', 'b'] })).toBe(true);
    expect(sameProperties({ r: ['a', 'b'] }, { r: ['b', 'a'] })).toBe(false);
    expect(sameProperties({ x: 1 }, { x: 2 })).toBe(false);
  });
});
