import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { inferenceEmbedder, InferenceRequestError } from '@mch/data-weaviate-index';
import { spawnInference, stopChild } from './testing/spawn-inference';

// The indexer's client-side embedder against the real app, which is stopped and restarted on the
// same port mid-request. Two app starts (~2 s each); ~6 s in all.
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe('inferenceEmbedder (client-side vectors from the inference service)', () => {
  it('backs off while the service is down and resumes with the same vectors, nothing lost or doubled', async () => {
    const port = String(await freePort());
    let app = await spawnInference({ INFERENCE_PORT: port });
    const retries: number[] = [];
    const embedder = await inferenceEmbedder({
      url: app.url,
      batchSize: 3,
      baseDelayMs: 100,
      maxAttempts: 30,
      onRetry: ({ delayMs }) => retries.push(delayMs),
    });
    expect(embedder.dimensions).toBe(384);
    expect(embedder.name).toContain('all-MiniLM-L6-v2');
    const texts = ['bandages and gauze', 'flu shots', 'ambulance fleet', 'custodial sanitation', 'nurse staffing'];
    const before = await embedder.embed(texts);

    await stopChild(app.child);
    const pending = embedder.embed(texts);
    await new Promise((r) => setTimeout(r, 700));
    app = await spawnInference({ INFERENCE_PORT: port });
    try {
      const after = await pending;
      expect(after).toHaveLength(texts.length);
      after.forEach((v, i) => expect(v.reduce((s, x, k) => s + x * before[i][k], 0)).toBeGreaterThan(0.9999));
      expect(retries.length).toBeGreaterThan(0);
      expect(retries[1]).toBe(2 * retries[0]);
      // A client error is not retried: it names the field.
      await expect(embedder.embed([])).resolves.toEqual([]);
      const bad = inferenceEmbedder({ url: app.url.replace(/\/?$/, '/nope') });
      await expect(bad).rejects.toBeInstanceOf(InferenceRequestError);
    } finally {
      await stopChild(app.child);
    }
  }, 60_000);
});
