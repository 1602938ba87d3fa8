import type { RollbackPlan } from './rollback.types';

/** A fixed-width table of the plan for a terminal; JSON output is the plan object itself. */
export function formatPlanTable(plan: RollbackPlan): string {
  const header = ['step', 'phase', 'target', 'action', 'what'];
  const rows: string[][] = [];
  plan.actions.forEach((action, step) => {
    rows.push([String(step), String(action.phase), action.target, action.kind, action.summary]);
    for (const detail of action.details ?? []) rows.push(['', '', '', '', `  ${detail}`]);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [`rollback to ${plan.to} (targets: ${plan.targets.join(', ')})`, line(header), ...rows.map(line)];
  if (rows.length === 0) out.push('(no actions)');
  out.push('not touched:', ...plan.untouched.map((u) => `  - ${u}`));
  return out.join('\n');
}
