import { DomainException } from '@mch/util-errors';
import { loadConfigSections } from './load-config';
import { API_TOKEN_MIN_LENGTH, apiTokenEnvSchema, optionalApiTokenEnvSchema } from './api-token.schema';

const TOKEN = 'a1b2c3d4'.repeat(6);

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect((error as DomainException).code).toBe('CONFIG_INVALID');
    return (error as DomainException).message;
  }
  throw new Error('expected a configuration error');
}

describe('API_TOKEN', () => {
  it('is required where the service serves state-changing endpoints, and named with the other problems', () => {
    const message = messageOf(() =>
      loadConfigSections({ auth: apiTokenEnvSchema, other: optionalApiTokenEnvSchema }, { API_TOKEN: '' }),
    );
    expect(message).toBe('Invalid configuration: API_TOKEN is missing');
  });

  it('accepts a token of the minimum length and base64 padding', () => {
    const min = 'x'.repeat(API_TOKEN_MIN_LENGTH);
    expect(loadConfigSections({ auth: apiTokenEnvSchema }, { API_TOKEN: min }).auth.API_TOKEN).toBe(min);
    expect(
      loadConfigSections({ auth: apiTokenEnvSchema }, { API_TOKEN: `${TOKEN}+/==` }).auth.API_TOKEN,
    ).toBe(`${TOKEN}+/==`);
  });

  it('refuses a short token, naming the limit and not echoing the value', () => {
    const short = 'k3y'.repeat(10); // 30 characters
    const message = messageOf(() => loadConfigSections({ auth: apiTokenEnvSchema }, { API_TOKEN: short }));
    expect(message).toBe('Invalid configuration: API_TOKEN is invalid: must be at least 32 characters');
    expect(message).not.toContain(short);
  });

  it('refuses a token with a trailing newline or a space (it could never be sent as a bearer token)', () => {
    expect(
      messageOf(() => loadConfigSections({ auth: apiTokenEnvSchema }, { API_TOKEN: `${TOKEN}\n` })),
    ).toContain('API_TOKEN is invalid: must be one bearer token');
    expect(
      messageOf(() => loadConfigSections({ auth: optionalApiTokenEnvSchema }, { API_TOKEN: `${TOKEN} x` })),
    ).toContain('API_TOKEN is invalid: must be one bearer token');
  });

  it('is optional elsewhere: unset or empty means none', () => {
    expect(loadConfigSections({ auth: optionalApiTokenEnvSchema }, {}).auth.API_TOKEN).toBeUndefined();
    expect(
      loadConfigSections({ auth: optionalApiTokenEnvSchema }, { API_TOKEN: '' }).auth.API_TOKEN,
    ).toBeUndefined();
    expect(loadConfigSections({ auth: optionalApiTokenEnvSchema }, { API_TOKEN: TOKEN }).auth.API_TOKEN).toBe(
      TOKEN,
    );
  });
});
