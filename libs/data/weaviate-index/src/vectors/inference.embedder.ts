import type { EmbeddingIdentity } from './embedding-identity';
import type { TextEmbedder } from './text-embedder';

export interface InferenceEmbedderOptions {
  /** The text2vec-transformers inference API (apps/inference), e.g. http://127.0.0.1:18090. */
  url: string;
  /** Texts per POST /vectors (the service refuses more than its INFERENCE_MAX_BATCH). */
  batchSize?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Attempts per request while the service is down or answers 5xx; back-off doubles from baseDelayMs. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (info: { attempt: number; delayMs: number; error: string }) => void;
}

interface Meta {
  model: { name: string; revision?: string; dimensions: number; max_tokens: number };
}

/** A 4xx answer: the input is wrong, retrying cannot help. */
export class InferenceRequestError extends Error {}

/**
 * Client-side vectors from the same inference service Weaviate's module calls, so both paths give
 * the same vector for the same text. `name` carries the model the service reports (GET /meta), so a
 * model change shows up as a different embedder (record it and bump EMBEDDINGS_VERSION). While the
 * service is down or overloaded each request backs off and retries; after maxAttempts the error
 * reaches the sink, whose batch stays uncommitted and is retried whole (nothing lost or doubled:
 * object ids are deterministic).
 */
export async function inferenceEmbedder(options: InferenceEmbedderOptions): Promise<TextEmbedder> {
  const batchSize = options.batchSize ?? 64;
  const call = retrying(options);
  const meta = (await call('GET', '/meta')) as Meta;
  return {
    name: `transformers:${meta.model.name}`,
    dimensions: meta.model.dimensions,
    embed: async (texts) => {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const body = (await call('POST', '/vectors', { texts: texts.slice(i, i + batchSize) })) as { vectors: number[][] };
        out.push(...body.vectors);
      }
      return out;
    },
  };
}

/**
 * The model the service at `options.url` serves, as the collection records it. Backs off while
 * the service is down, like every request. A service without a revision is recorded as
 * `unknown`: a later one that reports its weights then counts as a change (a re-embed, never a
 * silently kept vector from other weights).
 */
export async function inferenceIdentity(
  options: InferenceEmbedderOptions,
  vectorizer: 'transformers-client' | 'text2vec-transformers',
): Promise<EmbeddingIdentity> {
  const meta = (await retrying(options)('GET', '/meta')) as Meta;
  return { vectorizer, model: meta.model.name, revision: meta.model.revision ?? 'unknown', dimensions: meta.model.dimensions };
}

function retrying(options: InferenceEmbedderOptions) {
  const maxAttempts = options.maxAttempts ?? 8;
  const base = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const root = options.url.replace(/\/+$/, '');
  return async (method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(root + route, {
          method,
          headers: body ? { 'content-type': 'application/json' } : undefined,
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const json = (await res.json().catch(() => ({}))) as { error?: string };
        if (res.ok) return json;
        const message = `inference ${method} ${route}: ${res.status} ${json.error ?? ''}`.trim();
        if (res.status < 500) throw new InferenceRequestError(message);
        throw new Error(message);
      } catch (err) {
        if (err instanceof InferenceRequestError || attempt >= maxAttempts) throw err;
        const delayMs = Math.min(maxDelay, base * 2 ** (attempt - 1));
        options.onRetry?.({ attempt, delayMs, error: err instanceof Error ? err.message : String(err) });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  };
}

/**
 * The same embedder for synchronous wiring (the indexer's settings): /meta is read on the first
 * embed, and a service whose dimensions differ from the collection's is refused by name.
 */
export function lazyInferenceEmbedder(options: InferenceEmbedderOptions & { dimensions: number }): TextEmbedder {
  let ready: Promise<TextEmbedder> | undefined;
  return {
    name: `transformers-client:${options.url}`,
    dimensions: options.dimensions,
    embed: async (texts) => {
      ready ??= inferenceEmbedder(options).catch((err: unknown) => {
        ready = undefined;
        throw err;
      });
      const embedder = await ready;
      if (embedder.dimensions !== options.dimensions)
        throw new InferenceRequestError(
          `WEAVIATE_VECTOR_DIMENSIONS is ${options.dimensions} but ${embedder.name} gives ${embedder.dimensions}`,
        );
      return embedder.embed(texts);
    },
  };
}
