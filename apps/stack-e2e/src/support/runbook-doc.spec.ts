import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRunbook } from './runbook-doc';

const fence = '```';

describe('parseRunbook', () => {
  it('reads each bash block with its step id, exit code, patterns and timeout, in order', () => {
    const doc = [
      '# Title',
      `${fence}bash step=a`,
      'echo one',
      'echo two',
      fence,
      'text',
      `${fence}bash step=b exit=1 match="\\"status\\":\\"ok\\"" match2="x\\d+" nomatch="ERROR" timeout=30`,
      'false',
      fence,
    ].join('\n');
    const steps = parseRunbook(doc);
    expect(steps.map((s) => [s.id, s.command, s.exit, s.timeoutSeconds, s.line])).toEqual([
      ['a', 'echo one\necho two', 0, 120, 2],
      ['b', 'false', 1, 30, 7],
    ]);
    expect(steps[1].match.map(String)).toEqual(['/"status":"ok"/m', '/x\\d+/m']);
    expect(steps[1].nomatch.map(String)).toEqual(['/ERROR/m']);
  });

  it('refuses a bash block without a step id, a repeated id, an unreadable header and an open block', () => {
    expect(() => parseRunbook(`${fence}bash\nls\n${fence}`)).toThrow('line 1: a bash block without step=<id>');
    expect(() => parseRunbook(`${fence}bash step=a\nls\n${fence}\n${fence}bash step=a\nls\n${fence}`)).toThrow('line 4: step a appears twice');
    expect(() => parseRunbook(`${fence}bash step=a match="open\nls\n${fence}`)).toThrow('line 1: unreadable block header');
    expect(() => parseRunbook(`${fence}bash step=a\nls`)).toThrow('line 1: the bash block is not closed');
  });

  it('leaves blocks of other languages alone (yaml, sql, plain text are not commands)', () => {
    expect(parseRunbook(`${fence}yaml\na: 1\n${fence}\n${fence}sql\nSELECT 1\n${fence}`)).toEqual([]);
  });

  it('reads docs/runbook.md: every bash block is a step', () => {
    const doc = readFileSync(path.resolve(__dirname, '../../../../docs/runbook.md'), 'utf8');
    const blocks = doc.split('\n').filter((l) => l.startsWith(`${fence}bash`)).length;
    expect(parseRunbook(doc)).toHaveLength(blocks);
  });
});
