import { createHash, timingSafeEqual } from 'node:crypto';

/** Why a request's credential was not accepted; never carries the credential itself. */
export type ApiTokenRefusal = 'missing' | 'malformed' | 'mismatch';

export type ApiTokenVerdict = { ok: true } | { ok: false; reason: ApiTokenRefusal };

/** Takes the request's `Authorization` header as Node parsed it. */
export type ApiTokenCheck = (authorization: string | string[] | undefined) => ApiTokenVerdict;

/** RFC 6750 `Bearer` credentials: scheme case-insensitive, one token68 (`b64token`). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Builds the check for one expected token. Both sides are reduced to SHA-256 digests first:
 * timingSafeEqual needs equal lengths, and comparing digests means the time taken depends on
 * neither the presented token's content nor its length.
 */
export function createApiTokenCheck(expectedToken: string): ApiTokenCheck {
  if (expectedToken.length === 0) throw new Error('createApiTokenCheck: the expected token is empty');
  const expected = digest(expectedToken);
  return (authorization) => {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing' };
    if (typeof authorization !== 'string') return { ok: false, reason: 'malformed' };
    const match = BEARER.exec(authorization);
    if (!match) return { ok: false, reason: 'malformed' };
    return timingSafeEqual(digest(match[1]), expected) ? { ok: true } : { ok: false, reason: 'mismatch' };
  };
}

/** The refusal in words for the 401 body: says what to send, never what was sent. */
export function describeApiTokenRefusal(reason: ApiTokenRefusal): string {
  switch (reason) {
    case 'missing':
      return 'this endpoint changes state and requires the header Authorization: Bearer <API_TOKEN>';
    case 'malformed':
      return "the Authorization header is not 'Bearer <token>'";
    case 'mismatch':
      return 'the bearer token is not valid for this service';
  }
}
