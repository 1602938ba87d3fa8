import { createHash } from 'node:crypto';

/** The text the vector is computed from; the same text (and nothing else) feeds the content hash. */
export interface VectorText {
  title: string;
  description: string | null;
  requirements: readonly string[];
}

export function vectorInput(text: VectorText): string {
  return [text.title, text.description ?? '', ...text.requirements].join('\n');
}

/**
 * SHA-256 over the vector's input text, structured so that moving a line between fields changes
 * it. Equal hash and equal embeddings_version mean the stored vector is still right.
 */
export function contentHash(text: VectorText): string {
  return createHash('sha256')
    .update(JSON.stringify([text.title, text.description, text.requirements]))
    .digest('hex');
}
