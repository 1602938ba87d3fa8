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
 * The text Weaviate's text2vec-transformers module embeds for an object of a collection created
 * by collectionCreateConfig (no collection or property names): the source properties' values in
 * the order of their names, array elements one by one, empty values left out, joined by spaces.
 * A spec on the real module checks that the vectors are the same.
 */
export function moduleVectorInput(text: VectorText): string {
  const byName: Record<string, string[]> = {
    description: text.description ? [text.description] : [],
    requirements: [...text.requirements],
    title: text.title ? [text.title] : [],
  };
  return Object.keys(byName)
    .sort()
    .flatMap((name) => byName[name].filter((v) => v.length > 0))
    .join(' ');
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
