import { mergeRequirements } from './requirements.merge';

describe('mergeRequirements', () => {
  it('orders documents by upload time, then id, whatever the arrival order', () => {
    const a = { documentId: 'a', createdAt: '2026-02-02T00:00:00.000Z', requirements: ['a1', 'a2'] };
    const b = { documentId: 'b', createdAt: '2026-02-01T00:00:00.000Z', requirements: ['b1'] };
    const c = { documentId: 'c', createdAt: null, requirements: ['c1'] };
    expect(mergeRequirements([c, a, b])).toEqual(['b1', 'a1', 'a2', 'c1']);
    expect(mergeRequirements([a, b, c])).toEqual(['b1', 'a1', 'a2', 'c1']);
  });

  it('keeps each sentence once, at its first place', () => {
    expect(
      mergeRequirements([
        { documentId: 'a', createdAt: null, requirements: ['x', 'y'] },
        { documentId: 'b', createdAt: null, requirements: ['y', 'z'] },
      ]),
    ).toEqual(['x', 'y', 'z']);
  });

  it('is empty without documents', () => {
    expect(mergeRequirements([])).toEqual([]);
  });
});
