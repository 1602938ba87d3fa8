import type { EventOrderReport } from '../event-order/event-order.report';
import type { ConsistencyReport, PairReport } from './consistency-report';

const MAX_IDS_SHOWN = 10;

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === 0 || i === 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

const num = (n: number | null) => (n === null ? 'ERROR' : String(n));
const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(4)}%`);

function pairRow(p: PairReport): string[] {
  return [
    p.entity,
    `postgres/${p.target}`,
    p.mode,
    num(p.sourceRows),
    num(p.targetRows),
    p.matched === null ? '-' : String(p.matched),
    p.mode === 'content' ? String(p.deadLettered.count) : '-',
    p.mode === 'content' ? String(p.missing.count) : '-',
    p.mode === 'content' ? String(p.extra.count) : '-',
    p.mode === 'content' ? String(p.different.count) : '-',
    p.mode === 'content' ? String(p.inFlight.count) : '-',
    pct(p.discrepancyRate),
    p.passed ? 'ok' : 'FAIL',
  ];
}

function ids(label: string, list: { count: number; ids: string[] }): string[] {
  if (list.count === 0) return [];
  const shown = list.ids.slice(0, MAX_IDS_SHOWN).join(', ');
  return [`    ${label} (${list.count}): ${shown}${list.count > MAX_IDS_SHOWN ? ', …' : ''}`];
}

/**
 * Every source row accounted for: matched + different + dead-lettered + missing + in flight
 * (missing or different) = source. In flight rows the target lacks are among them.
 */
function accounting(p: PairReport): string | null {
  if (p.mode !== 'content' || p.sourceRows === null || p.matched === null) return null;
  // The rest of the source rows changed after the cutoff (in flight, missing or different).
  const inFlight = p.sourceRows - p.matched - p.different.count - p.deadLettered.count - p.missing.count;
  return (
    `  ${p.entity} postgres/${p.target}: ${p.matched} matched + ${p.different.count} different = ${p.matched + p.different.count} migrated; ` +
    `+ ${p.deadLettered.count} dead-lettered + ${p.missing.count} missing + ${inFlight} in flight = ${p.sourceRows} source`
  );
}

function deadLetteredLines(p: PairReport): string[] {
  if (p.deadLettered.count === 0) return [];
  const lines = [`    dead-lettered (${p.deadLettered.count}):`];
  for (const r of p.deadLettered.rows.slice(0, MAX_IDS_SHOWN)) {
    const where = [r.field ? `field ${r.field}` : null, r.limit !== null ? `limit ${r.limit}` : null].filter(Boolean).join(', ');
    lines.push(`      ${r.id} by ${r.stage}: ${r.code}${where ? ` (${where})` : ''} ${r.message}`);
  }
  if (p.deadLettered.count > MAX_IDS_SHOWN) lines.push(`      … (${p.deadLettered.count - MAX_IDS_SHOWN} more in the JSON report)`);
  return lines;
}

function pairDetails(p: PairReport): string[] {
  const lines: string[] = [];
  if (p.error) lines.push(`    ${p.error.store} could not be read: ${p.error.message}`);
  lines.push(...deadLetteredLines(p));
  lines.push(...ids('missing', p.missing), ...ids('extra', p.extra), ...ids('different', p.different));
  for (const s of p.different.samples.slice(0, MAX_IDS_SHOWN)) {
    for (const f of s.fields)
      lines.push(`      ${s.id} ${f.field}: ${JSON.stringify(f.source)} -> ${JSON.stringify(f.target)}`);
  }
  for (const r of p.inFlight.rows.slice(0, MAX_IDS_SHOWN))
    lines.push(`    in flight: ${r.id} (${r.kind}, changed ${r.changedAt ?? 'unknown'})`);
  return lines.length > 0 ? [`  ${p.entity} postgres/${p.target}:`, ...lines] : [];
}

function eventStoreLines(e: EventOrderReport): string[] {
  const scope =
    e.window.from || e.window.to
      ? `streams with events in [${e.window.from ?? '-inf'}, ${e.window.to ?? '+inf'})`
      : 'whole store';
  const lines = [
    `Event store (${scope}): ${e.aggregatesChecked} streams, ${e.eventsChecked} events; ${e.streams.count} streams out of order, ` +
      `${e.versionGaps} missing versions, ${e.duplicateVersions} duplicated versions, ${e.positionGaps.count} position gaps, ` +
      `${e.pendingPositionGaps.count} pending (transactions in progress: ${e.snapshot.inProgress.length}) - ${e.passed ? 'ok' : 'FAIL'}`,
  ];
  for (const s of e.streams.items.slice(0, MAX_IDS_SHOWN)) {
    const dups = s.duplicateVersions.map((d) => `${d.version} x${d.eventIds.length}`).join(', ');
    lines.push(
      `  ${s.aggregateType} ${s.aggregateId}: max version ${s.maxVersion}, missing [${s.missingVersions.join(', ')}]${dups ? `, duplicated [${dups}]` : ''}`,
    );
  }
  for (const g of e.positionGaps.items.slice(0, MAX_IDS_SHOWN))
    lines.push(`  position gap after ${g.after} before ${g.before} (${g.missing} positions)`);
  for (const g of e.pendingPositionGaps.items.slice(0, MAX_IDS_SHOWN)) {
    lines.push(
      `  pending after ${g.after} before ${g.before}: transactions ${g.inProgress.join(', ')} still running`,
    );
  }
  return lines;
}

/** The report as a table for people (the JSON report is the complete record). */
export function renderReportTable(report: ConsistencyReport): string {
  const header = [
    'entity',
    'pair',
    'mode',
    'source',
    'target',
    'matched',
    'dead-lettered',
    'missing',
    'extra',
    'different',
    'in flight',
    'rate',
    'status',
  ];
  const pairs = report.entities.flatMap((e) => e.pairs);
  const verdict =
    report.verdict === 'dead-lettered' ? `PASSED EXCEPT ${report.deadLettered} DEAD-LETTERED ROWS` : report.passed ? 'PASSED' : 'FAILED';
  const lines = [
    `Consistency check ${report.runId}: ${verdict} in ${(report.durationMs / 1000).toFixed(1)} s ` +
      `(thresholds: at most ${report.thresholds.maxDiscrepancies} discrepancies, rate below ${(report.thresholds.maxDiscrepancyRate * 100).toPrecision(3)}%; ` +
      `in flight after ${report.inFlightCutoff}${report.migrationId ? `; migration ${report.migrationId}` : ''})`,
    ...(pairs.length > 0 ? table([header, ...pairs.map(pairRow)]) : ['(no store pairs compared)']),
  ];
  const accounted = pairs.map(accounting).filter((l): l is string => l !== null);
  if (accounted.length > 0) lines.push('Accounted for (migrated + dead-lettered + missing + in flight = source):', ...accounted);
  const details = pairs.flatMap(pairDetails);
  if (details.length > 0) lines.push('Differences:', ...details);
  for (const e of report.entities) {
    if (e.undecodableMessages.count > 0)
      lines.push(
        `${e.entity}: ${e.undecodableMessages.count} messages on the topic are not events` +
          (e.undecodableMessages.deadLettered ? `, ${e.undecodableMessages.deadLettered} of them dead-lettered by the consumers` : ''),
      );
  }
  if (report.eventStore) lines.push(...eventStoreLines(report.eventStore));
  if (report.failures.length > 0) lines.push('Failures:', ...report.failures.map((f) => `  - ${f}`));
  return lines.join('\n');
}
