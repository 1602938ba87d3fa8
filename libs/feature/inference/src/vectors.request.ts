/** A client error: answered with this status and `{error}`. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface VectorsRequest {
  single: boolean;
  texts: string[];
}

/**
 * Parses POST /vectors: `{text, config?}` (Weaviate's single form) or `{texts, config?}` (batch).
 * Each bad input names its field and limit; text longer than the model's window is truncated by the
 * tokenizer, not refused.
 */
export function parseVectorsRequest(body: string, limits: { maxBatch: number }): VectorsRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new RequestError(400, 'body: must be JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new RequestError(400, 'body: must be an object with "text" or "texts"');
  const obj = json as Record<string, unknown>;
  if ('text' in obj && 'texts' in obj) throw new RequestError(400, 'body: give "text" or "texts", not both');
  if ('text' in obj) {
    if (typeof obj.text !== 'string') throw new RequestError(422, 'text: must be a string');
    return { single: true, texts: [obj.text] };
  }
  if (!('texts' in obj)) throw new RequestError(400, 'body: "text" (string) or "texts" (string[]) is required');
  if (!Array.isArray(obj.texts)) throw new RequestError(422, 'texts: must be an array of strings');
  if (obj.texts.length === 0) throw new RequestError(422, 'texts: must hold at least 1 string');
  if (obj.texts.length > limits.maxBatch)
    throw new RequestError(413, `texts: at most ${limits.maxBatch} per request, got ${obj.texts.length}`);
  obj.texts.forEach((t, i) => {
    if (typeof t !== 'string') throw new RequestError(422, `texts[${i}]: must be a string`);
  });
  return { single: false, texts: obj.texts as string[] };
}
