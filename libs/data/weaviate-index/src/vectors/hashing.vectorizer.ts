/**
 * A deterministic text embedding for deployments without a model: feature hashing of word
 * unigrams and bigrams into `dimensions` buckets (signed, so collisions cancel out on average),
 * with sub-linear term weights, L2-normalised. Texts sharing words get a high cosine similarity,
 * so near-vector search finds related notices; it knows nothing of synonyms.
 */
const STOPWORDS = new Set(
  'a an and are as at be by for from has in is it of on or that the this to was were will with'.split(' '),
);

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => !STOPWORDS.has(t));
}

export function hashingVector(text: string, dimensions: number): number[] {
  if (!Number.isInteger(dimensions) || dimensions < 2) throw new RangeError(`dimensions must be an integer >= 2, got ${dimensions}`);
  const unigrams = new Map<string, number>();
  const bigrams = new Map<string, number>();
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    unigrams.set(tokens[i], (unigrams.get(tokens[i]) ?? 0) + 1);
    if (i > 0) {
      const bigram = `${tokens[i - 1]} ${tokens[i]}`;
      bigrams.set(bigram, (bigrams.get(bigram) ?? 0) + 1);
    }
  }
  const vector = new Array<number>(dimensions).fill(0);
  const add = (features: Map<string, number>, scale: number) => {
    for (const [feature, count] of features) {
      const hash = fnv1a(feature);
      const weight = scale * (1 + Math.log(count));
      vector[hash % dimensions] += hash & 0x80000000 ? -weight : weight;
    }
  };
  // Bigrams add word order ("gloves nitrile" vs "nitrile gloves") at half the weight of words.
  add(unigrams, 1);
  add(bigrams, 0.5);
  let norm = 0;
  for (const v of vector) norm += v * v;
  // An empty (or all-cancelling) text still needs a valid vector: cosine distance of a zero
  // vector is undefined. A fixed unit vector keeps such objects searchable by BM25 and harmless.
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  const scale = 1 / Math.sqrt(norm);
  return vector.map((v) => v * scale);
}
