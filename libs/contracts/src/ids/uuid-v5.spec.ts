import { createHash } from 'node:crypto';
import { uuidV5 } from './uuid-v5';

describe('uuidV5', () => {
  it('matches the RFC test vector (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is deterministic and differs by name', () => {
    const ns = '5b6f3c1e-7a2d-4e8f-9b10-2c3d4e5f6a7b';
    expect(uuidV5('a', ns)).toBe(uuidV5('a', ns));
    expect(uuidV5('a', ns)).not.toBe(uuidV5('b', ns));
  });
});

describe('uuidV5 against the RFC construction with a Hash object', () => {
  const reference = (name: string, namespace: string) => {
    const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    const digest = createHash('sha1').update(ns).update(name, 'utf8').digest();
    digest[6] = (digest[6] & 0x0f) | 0x50;
    digest[8] = (digest[8] & 0x3f) | 0x80;
    const hex = digest.subarray(0, 16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };

  it('gives the same id for event names, multi-byte names and the empty name, with every variant nibble', () => {
    const ns = '5b6f3c1e-7a2d-4e8f-9b10-2c3d4e5f6a7b';
    const names = ['', 'Zürich – Ōsaka 🚑', ...Array.from({ length: 400 }, (_, i) => `opportunity|${i}|lsn:00000000000${i}|snapshot`)];
    const ids = names.map((name) => uuidV5(name, ns));
    expect(ids).toEqual(names.map((name) => reference(name, ns)));
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(['8', '9', 'a', 'b']));
    expect(ids.every((id) => id[14] === '5')).toBe(true);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('a', 'not-a-uuid')).toThrow(/namespace 'not-a-uuid' is not a UUID/);
  });
});
