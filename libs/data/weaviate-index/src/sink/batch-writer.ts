import type { WeaviateField } from 'weaviate-client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { VECTOR_NAME } from '../collections/collection-config';
import { isTransientObjectError } from './object-errors';

export interface WriteObject {
  id: string;
  properties: Record<string, WeaviateField>;
  /** Omitted when the server vectorizes, or the collection has no vector index. */
  vector?: number[];
}

/** What writeObjects needs of a collection (`collection.data`); a test can pass its own. */
export interface InsertManyTarget {
  insertMany(
    objects: { id: string; properties: Record<string, WeaviateField>; vectors?: Record<string, number[]> }[],
  ): Promise<{ errors: Record<number, { message: string }> }>;
}

export interface BatchWriteOptions {
  /** Objects per request: keeps each request far below the client's insert timeout. */
  batchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /**
   * Upper bound of one request's property bytes (UTF-8): multi-megabyte texts are legal values,
   * and 200 of them would exceed the gRPC message limit (both weaviate-client and the server
   * refuse more than GRPC_MESSAGE_LIMIT). Default DEFAULT_MAX_REQUEST_BYTES.
   */
  maxRequestBytes?: number;
  /** Attempts for objects failing with a transient error before the whole batch fails. */
  maxObjectAttempts: number;
  retryBaseDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Supplies the vectors of a request's objects just before it is sent (instead of
   * `WriteObject.vector`): computing them per request overlaps embedding with the requests
   * already in flight instead of leaving Weaviate idle while a whole batch is embedded.
   */
  vectorsFor?: (indices: readonly number[]) => Promise<readonly (number[] | undefined)[]>;
  onRetry?: (info: { attempt: number; objects: number; firstError: string }) => void;
  onRequest?: (info: { objects: number; ms: number }) => void;
}

/** weaviate-client's and Weaviate's (GRPC_MAX_MESSAGE_SIZE) default gRPC message limit. */
export const GRPC_MESSAGE_LIMIT = 104_858_000;
/** Leaves room for vectors, ids and protobuf framing below GRPC_MESSAGE_LIMIT. */
export const DEFAULT_MAX_REQUEST_BYTES = 48 * 1024 * 1024;

/** UTF-8 bytes of an object's text (strings and string lists); numbers and vectors are small. */
export function propertyBytes(properties: Record<string, unknown>): number {
  let bytes = 0;
  for (const value of Object.values(properties)) {
    if (typeof value === 'string') bytes += Buffer.byteLength(value, 'utf8');
    else if (Array.isArray(value)) for (const item of value) bytes += typeof item === 'string' ? Buffer.byteLength(item, 'utf8') : 8;
    else bytes += 8;
  }
  return bytes;
}

/**
 * Splits each request further so that its objects' bytes stay within `maxBytes` (an object larger
 * than that alone goes alone). Order is kept.
 */
export function splitBySize(chunks: readonly number[][], bytesOf: (index: number) => number, maxBytes: number): number[][] {
  const out: number[][] = [];
  for (const chunk of chunks) {
    let current: number[] = [];
    let size = 0;
    for (const index of chunk) {
      const bytes = bytesOf(index);
      if (current.length > 0 && size + bytes > maxBytes) {
        out.push(current);
        current = [];
        size = 0;
      }
      current.push(index);
      size += bytes;
    }
    if (current.length > 0) out.push(current);
  }
  return out;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Splits `items` into requests of at most `maxSize` whose count is a multiple of `concurrency`,
 * sizes as equal as possible: the workers then finish together instead of one worker sending the
 * last odd request while Weaviate idles (a batch's tail was a measurable share of import time).
 */
export function balancedChunks<T>(items: readonly T[], maxSize: number, concurrency: number): T[][] {
  if (items.length === 0) return [];
  const rounds = Math.ceil(items.length / (maxSize * concurrency));
  const count = Math.min(items.length, rounds * concurrency);
  const size = Math.ceil(items.length / count);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Runs `work` over the chunks, `concurrency` at a time. After a failure no further chunk starts,
 * and the call rejects only once the requests already in flight have settled: rejecting at the
 * first failure (Promise.all) let the caller fail its batch and a one-shot job close the client
 * while those requests were still sending ("Channel has been shut down").
 */
async function inChunks(chunks: number[][], concurrency: number, work: (chunk: number[]) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const workers = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, chunks.length) }, async () => {
      while (!failed && next < chunks.length) {
        try {
          await work(chunks[next++]);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const rejected = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/**
 * Writes objects in requests of `batchSize`, `concurrency` at a time, and reads every object's
 * result from the response. Objects failing transiently are re-sent (only those) with
 * exponential backoff; after `maxObjectAttempts` the call throws, so the caller's batch is
 * retried or stops uncommitted. Returns the permanent failures: index in `objects` -> message.
 * A request that fails as a whole (connection lost) throws as well.
 */
export async function writeObjects(
  target: InsertManyTarget,
  objects: readonly WriteObject[],
  collection: string,
  options: BatchWriteOptions,
): Promise<Map<number, string>> {
  const sleep = options.sleep ?? defaultSleep;
  const permanent = new Map<number, string>();
  const bytes = objects.map((o) => propertyBytes(o.properties));
  // An object no gRPC request can carry is refused here, naming its size and the limit, instead
  // of failing its whole request (and the batch, forever) with RESOURCE_EXHAUSTED.
  let pending: number[] = [];
  objects.forEach((o, index) => {
    if (bytes[index] > GRPC_MESSAGE_LIMIT - 1_000_000) {
      permanent.set(index, `object ${o.id} holds ${bytes[index]} bytes of properties; a Weaviate gRPC request carries at most ${GRPC_MESSAGE_LIMIT} bytes`);
    } else pending.push(index);
  });
  const maxBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const transient = new Map<number, string>();
    const chunks = splitBySize(balancedChunks(pending, options.batchSize, options.concurrency), (i) => bytes[i], maxBytes);
    await inChunks(chunks, options.concurrency, async (chunk) => {
      const vectors = options.vectorsFor ? await options.vectorsFor(chunk) : chunk.map((index) => objects[index].vector);
      const started = performance.now();
      const result = await target.insertMany(
        chunk.map((index, k) => {
          const o = objects[index];
          const vector = vectors[k];
          return { id: o.id, properties: o.properties, ...(vector ? { vectors: { [VECTOR_NAME]: vector } } : {}) };
        }),
      );
      options.onRequest?.({ objects: chunk.length, ms: performance.now() - started });
      for (const [position, error] of Object.entries(result.errors)) {
        const index = chunk[Number(position)];
        (isTransientObjectError(error.message) ? transient : permanent).set(index, error.message);
      }
    });
    if (transient.size === 0) break;
    const firstError = transient.values().next().value ?? '';
    if (attempt >= options.maxObjectAttempts) {
      throw new DomainException(
        ErrorCode.StoreUnavailable,
        `weaviate ${collection}: ${transient.size} objects still failing after ${attempt} attempts: ${firstError}`,
        { entity: 'weaviate_collection', id: collection, objects: [...transient.keys()].map((i) => objects[i].id).slice(0, 20) },
      );
    }
    options.onRetry?.({ attempt, objects: transient.size, firstError });
    await sleep(Math.min(options.retryBaseDelayMs * 2 ** (attempt - 1), 10_000));
    pending = [...transient.keys()];
  }
  return permanent;
}
