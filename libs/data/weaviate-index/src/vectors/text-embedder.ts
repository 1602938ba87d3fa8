import { hashingVector } from './hashing.vectorizer';

/**
 * Produces the vectors the indexer supplies itself (vectorizer `none`). A model-backed embedder
 * would implement the same interface; changing embedder or its settings requires a bump of
 * EMBEDDINGS_VERSION so stored vectors are recomputed.
 */
export interface TextEmbedder {
  readonly name: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<number[][]>;
}

export function hashingEmbedder(dimensions: number): TextEmbedder {
  return {
    name: `feature-hashing-${dimensions}`,
    dimensions,
    embed: async (texts) => texts.map((text) => hashingVector(text, dimensions)),
  };
}
