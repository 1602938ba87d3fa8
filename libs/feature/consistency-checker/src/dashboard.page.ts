/**
 * The migration dashboard's page: plain HTML and CSS served as they are (no build step), with its
 * script at /dashboard/app.js (dashboard.script.ts) so the Content-Security-Policy can forbid inline
 * script. Every number is filled in by the script from GET /dashboard/state.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Migration dashboard - MedContractHub</title>
<style>
  :root { --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --muted: #57606a; --line: #d0d7de; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { background: #24292f; color: #fff; padding: 12px 20px; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  header span { color: #d0d7de; }
  main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(640px, 1fr)); }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; overflow-x: auto; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: right; padding: 4px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th:first-child, td:first-child, td.text { text-align: left; }
  th { color: var(--muted); font-weight: 600; }
  .bar { background: #eaeef2; border-radius: 3px; height: 8px; width: 120px; display: inline-block; vertical-align: middle; }
  .bar > i { display: block; height: 8px; border-radius: 3px; background: var(--ok); }
  .verdict { font-size: 22px; font-weight: 700; }
  .consistent, .passed, .completed { color: var(--ok); }
  .dead-lettered, .running { color: var(--warn); }
  .inconsistent, .unreadable, .failed, .error { color: var(--bad); }
  .muted { color: var(--muted); }
  #errors:empty { display: none; }
  #errors { color: var(--bad); }
</style>
</head>
<body>
<header>
  <h1>Migration dashboard</h1>
  <span>migration <b id="migration-id">-</b></span>
  <span>topics <b id="topic-prefix">-</b></span>
  <span>updated <b id="generated-at">-</b></span>
  <span id="poll-status">connecting</span>
</header>
<main>
  <section class="wide">
    <h2>Rows per store</h2>
    <table id="entities">
      <thead><tr><th>entity</th><th>PostgreSQL</th><th>Kafka messages</th><th>ClickHouse</th><th>Weaviate</th>
        <th>backfill</th><th>progress</th><th>backfill rate</th><th>ETA</th><th>ClickHouse rows/s</th><th>Weaviate objects/s</th><th>dead letters</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="errors"></p>
  </section>
  <section>
    <h2>Last consistency check</h2>
    <p><span id="verdict" class="verdict">no check yet</span> <span id="verdict-detail" class="muted"></span></p>
    <table id="history">
      <thead><tr><th>started</th><th>verdict</th><th>mode</th><th>discrepancies</th><th>dead-lettered</th><th>in flight</th><th>seconds</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Consumer lag</h2>
    <table id="lag">
      <thead><tr><th>group</th><th>topic</th><th>lag</th><th>per partition</th></tr></thead>
      <tbody></tbody>
    </table>
    <h2 style="margin-top:16px">Dead letters found by the last check</h2>
    <table id="dead-letters">
      <thead><tr><th>stage</th><th>reason</th><th>rows</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Restore points</h2>
    <table id="restore-points">
      <thead><tr><th>name</th><th>taken at</th><th>by</th><th>targets</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Rollbacks</h2>
    <table id="rollbacks">
      <thead><tr><th>run</th><th>to</th><th>status</th><th>steps</th><th>by</th><th>started</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;
