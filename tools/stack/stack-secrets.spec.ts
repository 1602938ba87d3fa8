import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The source-level half of the stack's secret hygiene (the run-time half traces every command
 * while the TLS stack starts: apps/stack-e2e/src/tls-transport.integration-spec.ts). These are the
 * shapes that once put a secret on a command line or in a readable file.
 */
const source = readFileSync(path.join(__dirname, 'stack.sh'), 'utf8');
const code = source
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n');

describe('tools/stack/stack.sh keeps secrets off command lines and out of readable files', () => {
  it.each([
    ['psql variables carrying a password', /-v\s+\w*pw=/],
    ['curl credentials as an argument', /curl[^\n]*\s-u\s/],
    [
      'a secret handed to env as an argument',
      /env \\\n(?:\s+[A-Z_]+=[^\n]*\\\n)*\s+AUTHENTICATION_APIKEY_ALLOWED_KEYS=/,
    ],
    ['secret file opened to others', /chmod\s+6[4-7][4-7]\s+"\$(pw|cred|args|props)/],
    ['SCRAM credentials as java arguments', /kafka_java[^\n]*--add-scram/],
  ])('has no %s', (_what, pattern) => {
    expect(code).not.toMatch(pattern);
  });

  it('creates the files that will hold secrets 600 before writing them', () => {
    expect(code).toMatch(/install -m 600 \/dev\/null "\$props\.tmp"/);
    expect(code).toMatch(/install -m 600 \/dev\/null "\$args"/);
    expect(code).toMatch(/\\getenv pw MCH_PG_PASSWORD/);
    expect(code).toMatch(/--config -/);
  });
});
