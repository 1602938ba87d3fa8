/** One executable step of docs/runbook.md: a `bash` block whose header names the step and its good answer. */
export interface RunbookStep {
  id: string;
  command: string;
  /** Exit code a good answer has (default 0). */
  exit: number;
  /** Regular expressions the output must contain (`match`, `match2`, ...). */
  match: RegExp[];
  /** Regular expressions the output must not contain (`nomatch`, `nomatch2`, ...). */
  nomatch: RegExp[];
  timeoutSeconds: number;
  /** 1-based line of the block's opening fence. */
  line: number;
}

/** `key=value` or `key="value with spaces"` (a `\"` inside quotes is a quote); anything else is an error. */
function attributes(header: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  const pattern = /([a-z0-9-]+)=(?:"((?:[^"\\]|\\.)*)"|([^"\s]\S*))/g;
  for (const match of header.matchAll(pattern)) out[match[1]] = match[2] !== undefined ? match[2].replace(/\\"/g, '"') : match[3];
  if (header.replace(pattern, '').trim() !== '') throw new Error(`runbook line ${line}: unreadable block header '${header.trim()}'`);
  return out;
}

/**
 * The `bash` blocks of the runbook in document order. Every one must carry `step=<id>` (a block the
 * test would skip could rot); ids are unique.
 */
export function parseRunbook(markdown: string): RunbookStep[] {
  const lines = markdown.split('\n');
  const steps: RunbookStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```bash(.*)$/.exec(lines[i]);
    if (!open) continue;
    const attrs = attributes(open[1], i + 1);
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`runbook line ${i + 1}: the bash block is not closed`);
    if (!attrs.step) throw new Error(`runbook line ${i + 1}: a bash block without step=<id> (every command of the runbook is executed)`);
    if (steps.some((s) => s.id === attrs.step)) throw new Error(`runbook line ${i + 1}: step ${attrs.step} appears twice`);
    const regexes = (prefix: string) =>
      Object.keys(attrs)
        .filter((k) => k === prefix || new RegExp(`^${prefix}\\d+$`).test(k))
        .map((k) => new RegExp(attrs[k], 'm'));
    steps.push({
      id: attrs.step,
      command: lines.slice(i + 1, end).join('\n'),
      exit: attrs.exit === undefined ? 0 : Number(attrs.exit),
      match: regexes('match'),
      nomatch: regexes('nomatch'),
      timeoutSeconds: attrs.timeout === undefined ? 120 : Number(attrs.timeout),
      line: i + 1,
    });
    i = end;
  }
  return steps;
}
