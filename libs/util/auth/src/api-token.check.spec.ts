import { createApiTokenCheck, describeApiTokenRefusal } from './api-token.check';

const TOKEN = 'c0ffee'.repeat(8); // 48 characters, like the local stack's generated tokens

describe('createApiTokenCheck', () => {
  const check = createApiTokenCheck(TOKEN);

  it('accepts the right token, with the scheme in any case', () => {
    expect(check(`Bearer ${TOKEN}`)).toEqual({ ok: true });
    expect(check(`bearer ${TOKEN}`)).toEqual({ ok: true });
    expect(check(`BEARER  ${TOKEN}`)).toEqual({ ok: true });
  });

  it('refuses a request without the header as missing', () => {
    expect(check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(check('')).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses another scheme, a bare token, an empty bearer or two values as malformed', () => {
    expect(check(`Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(check(TOKEN)).toEqual({ ok: false, reason: 'malformed' });
    expect(check('Bearer ')).toEqual({ ok: false, reason: 'malformed' });
    expect(check(`Bearer ${TOKEN} extra`)).toEqual({ ok: false, reason: 'malformed' });
    expect(check([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a wrong token of the same length, a longer and a shorter one, and a prefix of the right one', () => {
    expect(check(`Bearer ${'d'.repeat(TOKEN.length)}`)).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(`Bearer ${TOKEN}0`)).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(`Bearer ${TOKEN.slice(0, 32)}`)).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(`Bearer ${TOKEN.toUpperCase()}`)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses to build a check that any empty credential could pass', () => {
    expect(() => createApiTokenCheck('')).toThrow('expected token is empty');
  });

  it('never puts the presented or the expected token into a verdict or its description', () => {
    const verdicts = [check(`Bearer ${TOKEN}x`), check(`Bearer ${TOKEN}`), check(`Token ${TOKEN}`)];
    const words = verdicts.map((v) => JSON.stringify(v) + (v.ok ? '' : describeApiTokenRefusal(v.reason)));
    for (const text of words) expect(text).not.toContain(TOKEN.slice(0, 12));
  });
});
