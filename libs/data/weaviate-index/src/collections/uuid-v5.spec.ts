import { OBJECT_ID_NAMESPACES } from './index-collections';
import { isUuid, uuidV5 } from './uuid-v5';

describe('uuidV5', () => {
  it('matches the RFC 4122 algorithm (Python uuid.uuid5(NAMESPACE_DNS, "www.example.com"))', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is deterministic and differs per namespace, so each collection has its own id space', () => {
    const id = '1c7f1a3e-5b2d-4c8e-9f01-23456789abcd';
    const a = uuidV5(id, OBJECT_ID_NAMESPACES.contractDocument);
    expect(uuidV5(id, OBJECT_ID_NAMESPACES.contractDocument)).toBe(a);
    expect(uuidV5(id, OBJECT_ID_NAMESPACES.tombstone)).not.toBe(a);
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe('5');
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(/namespace 'not-a-uuid' is not a UUID/);
  });
});
