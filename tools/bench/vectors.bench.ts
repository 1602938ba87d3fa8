import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import weaviate from 'weaviate-client';
import { hashingVector, inferenceEmbedder } from '@mch/data-weaviate-index';
import { timed, type BenchResult } from './bench-report';

// Texts embedded per second by the inference service (all-MiniLM-L6-v2 int8, CPU) at batch sizes
// 1/32/128, and objects indexed per second through Weaviate's text2vec-transformers module, each
// beside feature hashing (the default vectorizer) in the same run. Uses tools/stack/semantic-stack.sh.
const ROOT = path.resolve(__dirname, '../..');
const WORDS = ['wound', 'care', 'dressing', 'supplies', 'MRI', 'maintenance', 'ambulance', 'vaccine', 'veterans', 'janitorial',
  'telehealth', 'pharmacy', 'records', 'surgical', 'gloves', 'glucose', 'wheelchairs', 'counseling', 'laboratory', 'courier',
  'oxygen', 'network', 'interpreter', 'services', 'hospital', 'clinic', 'contract', 'equipment', 'delivery', 'regional'];
/** ~40-word synthetic opportunity texts (titles plus a short description), deterministic. */
const text = (i: number) => Array.from({ length: 40 }, (_, k) => WORDS[(i * 7 + k * 13 + ((i * k) % 11)) % WORDS.length]).join(' ');

export async function benchVectors(count: number): Promise<BenchResult[]> {
  const script = path.join(ROOT, 'tools/stack/semantic-stack.sh');
  execFileSync('bash', [script, 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const envFile = execFileSync('bash', [script, 'env'], { encoding: 'utf8' }).trim();
  const env = Object.fromEntries([...readFileSync(envFile, 'utf8').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const texts = Array.from({ length: count }, (_, i) => text(i));
  const hash = await timed(async () => texts.map((t) => hashingVector(t, 256)));
  const hashRate = count / hash.seconds;
  const results: BenchResult[] = [];
  for (const batch of [1, 32, 128]) {
    const embedder = await inferenceEmbedder({ url: env.INFERENCE_URL, batchSize: batch });
    const n = batch === 1 ? Math.min(count, 200) : count;
    const run = await timed(() => embedder.embed(texts.slice(0, n)));
    results.push({ case: 'vectors', measured: `MiniLM int8 embed, batch ${batch}`, rate: n / run.seconds, unit: 'texts/s',
      baseline: 'feature hashing 256 (in process)', baselineRate: hashRate });
  }
  const client = await weaviate.connectToLocal({
    host: env.WEAVIATE_HOST,
    port: Number(env.WEAVIATE_HTTP_PORT),
    grpcPort: Number(env.WEAVIATE_GRPC_PORT),
    authCredentials: new weaviate.ApiKey(env.WEAVIATE_API_KEY),
  });
  const suffix = `${process.pid}${Date.now()}`;
  const moduleName = `BenchVecModule${suffix}`;
  const hashName = `BenchVecHash${suffix}`;
  try {
    await client.collections.create({
      name: moduleName,
      properties: [{ name: 'text', dataType: 'text', vectorizePropertyName: false }],
      vectorizers: weaviate.configure.vectors.text2VecTransformers({ sourceProperties: ['text'] }),
    });
    await client.collections.create({ name: hashName, properties: [{ name: 'text', dataType: 'text' }], vectorizers: weaviate.configure.vectors.selfProvided() });
    const insert = async (name: string, withVectors: boolean) => {
      for (let i = 0; i < count; i += 128) {
        const slice = texts.slice(i, i + 128);
        const r = await client.collections.get(name).data.insertMany(
          slice.map((t) => (withVectors ? { properties: { text: t }, vectors: hashingVector(t, 256) } : { text: t })),
        );
        if (r.hasErrors) throw new Error(`${name}: ${JSON.stringify(Object.values(r.errors)[0])}`);
      }
    };
    const viaModule = await timed(() => insert(moduleName, false));
    const viaHash = await timed(() => insert(hashName, true));
    results.push({ case: 'vectors', measured: 'indexed through the module (batch 128)', rate: count / viaModule.seconds, unit: 'objects/s',
      baseline: 'indexed with feature-hash vectors', baselineRate: count / viaHash.seconds });
  } finally {
    await client.collections.delete(moduleName).catch(() => undefined);
    await client.collections.delete(hashName).catch(() => undefined);
    await client.close();
  }
  return results;
}
