import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

/** What the service needs from a sentence embedder (the real model below; nothing else implements it). */
export interface SentenceEmbedder {
  readonly model: string;
  /** SHA-256 (first 16 hex digits) of the weights file: the indexer records it and re-embeds when it changes. */
  readonly revision: string;
  readonly dimensions: number;
  readonly maxTokens: number;
  embed(texts: readonly string[]): Promise<number[][]>;
}

export interface MiniLmOptions {
  /** Directory laid out by tools/stack/minilm.sh (config.json, tokenizer.json, onnx/model_quantized.onnx). */
  modelDir: string;
  /** Inputs longer than this many word pieces are truncated (the model was trained with 256). */
  maxTokens?: number;
}

/**
 * all-MiniLM-L6-v2 on onnxruntime-node through @huggingface/transformers: mean pooling over the
 * attention mask and L2 normalisation, as sentence-transformers does. Remote models are switched
 * off, so a missing directory fails at load instead of reaching for a hub.
 */
export async function loadMiniLm(options: MiniLmOptions): Promise<SentenceEmbedder> {
  const maxTokens = options.maxTokens ?? 256;
  if (!Number.isInteger(maxTokens) || maxTokens < 8 || maxTokens > 512)
    throw new RangeError(`maxTokens must be an integer 8..512, got ${maxTokens}`);
  // The package is ESM-first; its CommonJS build is what Jest and the compiled apps load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hf = require('@huggingface/transformers') as typeof import('@huggingface/transformers');
  hf.env.allowRemoteModels = false;
  hf.env.allowLocalModels = true;
  const dir = path.resolve(options.modelDir);
  hf.env.localModelPath = path.dirname(dir) + path.sep;
  // Tokenizer and model separately (not the pipeline) so truncation uses our max length.
  const tokenizer = await hf.AutoTokenizer.from_pretrained(path.basename(dir));
  const model = await hf.AutoModel.from_pretrained(path.basename(dir), { dtype: 'q8', device: 'cpu' });
  const embed = async (texts: readonly string[]): Promise<number[][]> => {
    if (texts.length === 0) return [];
    const inputs = tokenizer([...texts], { padding: true, truncation: true, max_length: maxTokens });
    const output = (await model(inputs)) as { last_hidden_state: import('@huggingface/transformers').Tensor };
    const pooled = hf.mean_pooling(output.last_hidden_state, inputs.attention_mask as import('@huggingface/transformers').Tensor);
    return pooled.normalize(2, -1).tolist() as number[][];
  };
  const probe = await embed(['probe']);
  // The name alone cannot tell two exports or quantisations of the same model apart; the weights can.
  const weights = await readFile(path.join(dir, 'onnx', 'model_quantized.onnx'));
  const revision = createHash('sha256').update(weights).digest('hex').slice(0, 16);
  return { model: 'sentence-transformers/all-MiniLM-L6-v2 (int8 onnx)', revision, dimensions: probe[0].length, maxTokens, embed };
}
