/**
 * Per-object errors in a batch response that say "not now" rather than "not this object": the
 * shard is read-only (disk pressure), the node is shutting down or overloaded, a timeout hit.
 * These are retried with backoff and, if they persist, fail the batch (nothing is committed).
 * Everything else is about the object itself (wrong type, wrong vector length, invalid value):
 * retrying cannot help, so the record is dead-lettered with Weaviate's message.
 */
const TRANSIENT = [
  /timeout|timed out|deadline exceeded/i,
  /unavailable|connection (refused|reset|closed)|broken pipe/i,
  /\bEOF\b/,
  /read-?only/i,
  /too many requests|rate limit|resource exhausted|out of memory|memory pressure/i,
  /shutting down|not ready|context canceled|try again|temporar/i,
  /no (leader|replica|node)|replication|consistency level/i,
];

export function isTransientObjectError(message: string): boolean {
  return TRANSIENT.some((pattern) => pattern.test(message));
}
