import { contentHash, moduleVectorInput, vectorInput } from './content-hash';

const base = { title: 'Nitrile gloves', description: 'Powder-free', requirements: ['SAM registration'] };

describe('contentHash', () => {
  it('is stable for the same text', () => {
    expect(contentHash({ ...base, requirements: [...base.requirements] })).toBe(contentHash(base));
    expect(contentHash(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with the title, the description and the requirements', () => {
    const h = contentHash(base);
    expect(contentHash({ ...base, title: 'Vinyl gloves' })).not.toBe(h);
    expect(contentHash({ ...base, description: null })).not.toBe(h);
    expect(contentHash({ ...base, requirements: [] })).not.toBe(h);
  });

  it('tells apart texts that only differ in which field a line is in', () => {
    expect(contentHash({ title: 'a', description: 'b', requirements: [] })).not.toBe(
      contentHash({ title: 'a', description: null, requirements: ['b'] }),
    );
  });

  it('covers exactly the text the vector is computed from', () => {
    expect(vectorInput(base)).toBe('Nitrile gloves\nPowder-free\nSAM registration');
  });
});

describe('moduleVectorInput', () => {
  it('lists the source values in the order of their property names, array elements one by one, empty ones left out', () => {
    expect(moduleVectorInput({ title: 'Wound care', description: 'Dressings for clinics', requirements: ['gauze', '', 'tape'] })).toBe(
      'Dressings for clinics gauze tape Wound care',
    );
    expect(moduleVectorInput({ title: 'Wound care', description: null, requirements: [] })).toBe('Wound care');
  });
});
