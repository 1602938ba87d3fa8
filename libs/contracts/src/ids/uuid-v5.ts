import { createHash } from 'node:crypto';

/** Name-based UUID (RFC 9562 version 5): the same name in the same namespace gives the same id. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`namespace '${namespace}' is not a UUID`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Namespace of migration event ids: eventId = uuidV5(entity|id|position|operation). */
export const MIGRATION_EVENT_NAMESPACE = '5b6f3c1e-7a2d-4e8f-9b10-2c3d4e5f6a7b';
