import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { metricNamesInPromQL } from '@mch/util-metrics';

// The monitoring files under k8s/monitoring, checked with the real promtool (Debian's package,
// installed into the cache by tools/stack/prometheus.sh): config and rules valid, every alert
// unit-tested firing and quiet, every Grafana panel's PromQL parsed by promtool, every metric they
// name documented (the stack-e2e metrics spec proves the services export each one).
const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'k8s', 'monitoring');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: { name: string; type: string }[] };
  panels: {
    id: number;
    type: string;
    title: string;
    gridPos: { h: number; w: number; x: number; y: number };
    datasource?: { type: string; uid: string };
    targets?: { refId: string; expr: string }[];
  }[];
}

let bin = '';
function promtool(args: string[], cwd = DIR) {
  return spawnSync(join(bin, 'promtool'), args, { cwd, encoding: 'utf8' });
}
const rules = (): Rule[] =>
  (
    parse(readFileSync(join(DIR, 'migration.rules.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
  ).groups.flatMap((g) => g.rules);
const dashboard = (): Dashboard =>
  JSON.parse(readFileSync(join(DIR, 'grafana-migration-dashboard.json'), 'utf8')) as Dashboard;
const panelQueries = () =>
  dashboard().panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.id, title: p.title, refId: t.refId, expr: t.expr })),
  );

beforeAll(() => {
  bin = execFileSync('bash', [join(ROOT, 'tools/stack/prometheus.sh'), 'bin'], { encoding: 'utf8' }).trim();
}, 300_000);

describe('Prometheus config and alert rules', () => {
  it('promtool accepts the scrape config and the rules', () => {
    const config = promtool(['check', 'config', 'prometheus.local.yml']);
    expect({ status: config.status, out: config.stdout + config.stderr }).toMatchObject({ status: 0 });
    const checked = promtool(['check', 'rules', 'migration.rules.yml']);
    expect(checked.stdout).toContain(`SUCCESS: ${rules().length} rules found`);
  });

  it('passes promtool test rules', () => {
    const run = promtool(['test', 'rules', 'migration.rules.test.yml']);
    expect({ status: run.status, out: run.stdout + run.stderr }).toEqual({
      status: 0,
      out: expect.stringContaining('SUCCESS'),
    });
  });

  it('tests every alert once firing and once quiet', () => {
    const tests = (
      parse(readFileSync(join(DIR, 'migration.rules.test.yml'), 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
      }
    ).tests.flatMap((t) => t.alert_rule_test ?? []);
    const missing: string[] = [];
    for (const { alert } of rules().filter((r) => r.alert)) {
      const cases = tests.filter((t) => t.alertname === alert);
      if (!cases.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${alert}: no firing case`);
      if (!cases.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${alert}: no quiet case`);
    }
    expect(missing).toEqual([]);
    expect(rules().filter((r) => r.alert).length).toBeGreaterThanOrEqual(5);
  });

  it('a rule that breaks its test fails promtool test rules (the test can fail)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mch-rules-'));
    writeFileSync(
      join(tmp, 'migration.rules.yml'),
      readFileSync(join(DIR, 'migration.rules.yml'), 'utf8').replace(
        'max by (service) (mch_outbox_oldest_unpublished_age_seconds) > 300',
        'max by (service) (mch_outbox_oldest_unpublished_age_seconds) > 3000',
      ),
    );
    writeFileSync(
      join(tmp, 'migration.rules.test.yml'),
      readFileSync(join(DIR, 'migration.rules.test.yml'), 'utf8'),
    );
    const run = promtool(['test', 'rules', 'migration.rules.test.yml'], tmp);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('alertname: MigrationOutboxBacklogAging');
  });
});

describe('Grafana dashboard', () => {
  it('is a dashboard Grafana imports: uid, title, schema version, a Prometheus datasource variable, panels on a 24-column grid', () => {
    const d = dashboard();
    expect(d).toMatchObject({
      uid: 'mch-migration',
      title: expect.any(String),
      schemaVersion: expect.any(Number),
    });
    expect(d.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const problems: string[] = [];
    for (const p of d.panels) {
      const g = p.gridPos;
      if (!(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0 && g.y >= 0))
        problems.push(`${p.title}: gridPos ${JSON.stringify(g)}`);
      if (!['row', 'timeseries', 'stat', 'gauge', 'table', 'bargauge'].includes(p.type))
        problems.push(`${p.title}: type ${p.type}`);
      if (p.type === 'row') continue;
      if (p.datasource?.uid !== '${datasource}') problems.push(`${p.title}: datasource not the variable`);
      const refs = (p.targets ?? []).map((t) => t.refId);
      if (refs.length === 0) problems.push(`${p.title}: no query`);
      if (new Set(refs).size !== refs.length) problems.push(`${p.title}: duplicate refId`);
    }
    expect(problems).toEqual([]);
  });

  it('every panel query parses (promtool check rules on them as recording rules)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mch-dashboard-'));
    const file = join(tmp, 'dashboard.rules.json');
    const recording = (queries: { panel: number; refId: string; expr: string }[]) => ({
      groups: [
        {
          name: 'dashboard',
          rules: queries.map((q) => ({ record: `mch_dashboard:panel_${q.panel}_${q.refId}`, expr: q.expr })),
        },
      ],
    });
    // YAML is a superset of JSON: promtool reads the file as is.
    writeFileSync(file, JSON.stringify(recording(panelQueries())));
    const ok = promtool(['check', 'rules', file], tmp);
    expect({ status: ok.status, out: ok.stdout + ok.stderr }).toMatchObject({ status: 0 });
    expect(ok.stdout).toContain(`SUCCESS: ${panelQueries().length} rules found`);
    // And the check can fail: one broken expression is refused.
    writeFileSync(
      file,
      JSON.stringify(
        recording([{ panel: 0, refId: 'A', expr: 'sum by (entity (mch_backfill_processed_rows)' }]),
      ),
    );
    expect(promtool(['check', 'rules', file], tmp).status).not.toBe(0);
  });

  it('names only metrics documented in docs/monitoring.md, as the alert rules do', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'monitoring.md'), 'utf8');
    const used = new Set([...panelQueries(), ...rules()].flatMap((q) => metricNamesInPromQL(q.expr)));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
