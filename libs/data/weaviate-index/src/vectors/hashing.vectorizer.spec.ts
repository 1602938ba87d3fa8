import { hashingVector, tokenize } from './hashing.vectorizer';

const cosine = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i], 0);
const norm = (a: number[]) => Math.sqrt(cosine(a, a));

describe('hashingVector', () => {
  it('is deterministic, has the configured length and unit length', () => {
    const v = hashingVector('Nitrile examination gloves for VA hospitals', 256);
    expect(v).toHaveLength(256);
    expect(hashingVector('Nitrile examination gloves for VA hospitals', 256)).toEqual(v);
    expect(norm(v)).toBeCloseTo(1, 10);
  });

  it('puts texts sharing words closer than unrelated texts', () => {
    const gloves = hashingVector('nitrile examination gloves powder free latex free', 256);
    const similar = hashingVector('latex free nitrile gloves, examination grade', 256);
    const unrelated = hashingVector('orthopedic knee implant titanium tibial tray', 256);
    expect(cosine(gloves, similar)).toBeGreaterThan(0.5);
    expect(cosine(gloves, similar)).toBeGreaterThan(cosine(gloves, unrelated) + 0.3);
  });

  it('ignores case, punctuation and stop words', () => {
    expect(hashingVector('The GLOVES, of nitrile!', 64)).toEqual(hashingVector('gloves nitrile', 64));
    expect(hashingVector('gloves nitrile', 64)).not.toEqual(hashingVector('nitrile gloves', 64));
  });

  it('gives an empty text a valid unit vector instead of a zero vector', () => {
    const v = hashingVector('', 8);
    expect(v).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('tokenizes letters and digits of any script, lower-cased', () => {
    expect(tokenize('NAICS 339113: Médical-supply')).toEqual(['naics', '339113', 'médical', 'supply']);
  });
});
