import { z } from 'zod';

/** 32 characters: 128 bits even for a hex token; the local stack generates 48 hex characters. */
export const API_TOKEN_MIN_LENGTH = 32;
export const API_TOKEN_MAX_LENGTH = 1024;

/**
 * The bearer token that state-changing HTTP endpoints require (Secret `mch-api-credentials`, key
 * `API_TOKEN`). It must be sendable as `Authorization: Bearer <token>` (RFC 6750 b64token), so a
 * value with a space or line break is refused at boot rather than never matching: a Secret made
 * with `echo ... | base64` carries a trailing newline.
 */
const apiToken = z
  .string()
  .min(API_TOKEN_MIN_LENGTH, `must be at least ${API_TOKEN_MIN_LENGTH} characters`)
  .max(API_TOKEN_MAX_LENGTH, `must be at most ${API_TOKEN_MAX_LENGTH} characters`)
  .regex(
    /^[A-Za-z0-9\-._~+/]+=*$/,
    'must be one bearer token of letters, digits and - . _ ~ + / (no spaces or line breaks)',
  );

/** For services that serve state-changing HTTP endpoints. */
export const apiTokenEnvSchema = z.object({ API_TOKEN: apiToken });

/** For the others: an empty value counts as unset; a set value must still be a valid token. */
export const optionalApiTokenEnvSchema = z.object({
  API_TOKEN: z.preprocess((value) => (value === '' ? undefined : value), apiToken.optional()),
});

export type ApiTokenConfig = { API_TOKEN?: string };
