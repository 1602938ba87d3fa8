import { loadMiniLm, startInferenceServer } from '@mch/feature-inference';
import { createLogger } from '@mch/util-logger';

// The text2vec-transformers inference API for Weaviate and the indexer (docs/semantic-search.md).
// MODEL_DIR: the directory tools/stack/minilm.sh prints; INFERENCE_HOST/INFERENCE_PORT; MAX_TOKENS;
// INFERENCE_TIMEOUT_MS. Logs are the house JSON lines (util-logger, with correlation_id).
const logger = createLogger({ service: 'inference', level: process.env.LOG_LEVEL === 'debug' ? 'debug' : 'info' });
const log = ({ level, msg, ...fields }: Record<string, unknown>) =>
  level === 'error' ? logger.error(String(msg), fields) : logger.info(String(msg), fields);

async function main(): Promise<void> {
  const modelDir = process.env.MODEL_DIR;
  if (!modelDir) {
    log({ level: 'error', msg: 'MODEL_DIR is required (tools/stack/minilm.sh path)' });
    process.exit(2);
  }
  const embedder = await loadMiniLm({ modelDir, maxTokens: Number(process.env.MAX_TOKENS ?? 256) });
  const server = await startInferenceServer(embedder, {
    host: process.env.INFERENCE_HOST ?? '127.0.0.1',
    port: Number(process.env.INFERENCE_PORT ?? 8090),
    timeoutMs: Number(process.env.INFERENCE_TIMEOUT_MS ?? 30_000),
    maxBatch: Number(process.env.INFERENCE_MAX_BATCH ?? 256),
    log,
  });
  log({ level: 'info', msg: 'inference ready', url: server.url, model: embedder.model, dimensions: embedder.dimensions });
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  log({ level: 'error', msg: 'inference failed to start', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
