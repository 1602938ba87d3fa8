import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LATENCY_BUCKETS, BATCH_SIZE_BUCKETS, ServiceMetrics } from '@mch/util-metrics';
import type { SentenceEmbedder } from './minilm.embedder';
import { parseVectorsRequest, RequestError } from './vectors.request';

export interface InferenceServerOptions {
  host?: string;
  port?: number;
  /** A request whose embedding takes longer answers 503 (Weaviate retries); the work itself runs on. */
  timeoutMs?: number;
  maxBodyBytes?: number;
  maxBatch?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface InferenceServer {
  readonly url: string;
  readonly metrics: ServiceMetrics;
  close(): Promise<void>;
}

/**
 * The text2vec-transformers inference API Weaviate's module calls: GET /.well-known/live and
 * /ready, GET /meta, POST /vectors (single `{text}` or batch `{texts}`), plus /metrics. Errors are
 * non-2xx `{error}` naming the field and limit. Plain node:http: five routes need no framework.
 */
export async function startInferenceServer(
  embedder: SentenceEmbedder,
  options: InferenceServerOptions = {},
): Promise<InferenceServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxBatch = options.maxBatch ?? 256;
  const metrics = new ServiceMetrics('inference');
  const requests = metrics.counter({
    name: 'mch_inference_requests_total',
    help: 'Requests answered, by route and status code',
    labelNames: ['route', 'code'],
  });
  const latency = metrics.histogram({
    name: 'mch_inference_embed_seconds',
    help: 'Time to embed one request (single or batch)',
    buckets: LATENCY_BUCKETS,
  });
  const batchSize = metrics.histogram({
    name: 'mch_inference_batch_size_records',
    help: 'Texts per POST /vectors request',
    buckets: BATCH_SIZE_BUCKETS,
  });
  const log = options.log ?? (() => undefined);

  const send = (res: http.ServerResponse, route: string, code: number, body: unknown, type = 'application/json') => {
    requests.inc({ route, code: String(code) });
    res.writeHead(code, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const handleVectors = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await readBody(req, maxBodyBytes);
    const parsed = parseVectorsRequest(body, { maxBatch });
    batchSize.observe(parsed.texts.length);
    const end = latency.startTimer();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestError(503, `embedding took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const vectors = await Promise.race([embedder.embed(parsed.texts), timeout]);
      end();
      if (parsed.single) send(res, 'vectors', 200, { text: parsed.texts[0], vector: vectors[0], dim: vectors[0].length });
      else send(res, 'vectors', 200, { texts: parsed.texts, vectors, dims: vectors.map((v) => v.length) });
    } finally {
      clearTimeout(timer);
    }
  };

  const server = http.createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0];
    const run = async () => {
      if (req.method === 'GET' && (route === '/.well-known/live' || route === '/.well-known/ready'))
        return send(res, 'health', 204, '');
      if (req.method === 'GET' && route === '/meta')
        return send(res, 'meta', 200, {
          model: { name: embedder.model, revision: embedder.revision, dimensions: embedder.dimensions, max_tokens: embedder.maxTokens },
        });
      if (req.method === 'GET' && route === '/metrics')
        return send(res, 'metrics', 200, await metrics.render(), metrics.contentType);
      if (route === '/vectors' || route === '/vectors/') {
        if (req.method !== 'POST') throw new RequestError(405, `${req.method} /vectors: use POST`);
        return handleVectors(req, res);
      }
      throw new RequestError(404, `no route ${req.method} ${route}`);
    };
    run().catch((err: unknown) => {
      const code = err instanceof RequestError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (code >= 500) log({ level: 'error', msg: 'inference request failed', route, error: message });
      if (!res.headersSent) send(res, route === '/vectors' ? 'vectors' : 'other', code, { error: message });
    });
  });
  server.requestTimeout = timeoutMs + 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    metrics,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RequestError(413, `request body exceeds ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
