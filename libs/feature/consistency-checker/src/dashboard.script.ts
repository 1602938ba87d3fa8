/**
 * The dashboard's browser script (served at /dashboard/app.js): polls /dashboard/state every two
 * seconds and fills the page. Plain ES2017 for any browser; values are written with textContent,
 * never as HTML, so a store's text cannot inject markup.
 */
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var POLL_MS = 2000;
  var fmt = new Intl.NumberFormat('en-US');
  function num(v) { return v === null || v === undefined ? '-' : fmt.format(Math.round(v)); }
  function count(c) { return !c ? 'n/a' : c.error ? 'unreadable' : num(c.rows); }
  function seconds(s) {
    if (s === null || s === undefined) return '-';
    if (s < 90) return Math.round(s) + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }
  function time(iso) { return iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '-'; }
  function cell(row, text, attrs) {
    var td = document.createElement('td');
    td.textContent = text;
    if (attrs) Object.keys(attrs).forEach(function (k) { if (k === 'class') td.className = attrs[k]; else td.setAttribute(k, attrs[k]); });
    row.appendChild(td);
    return td;
  }
  function rows(id, items, fill) {
    var body = document.querySelector('#' + id + ' tbody');
    var next = document.createElement('tbody');
    items.forEach(function (item) { var tr = document.createElement('tr'); fill(tr, item); next.appendChild(tr); });
    body.parentNode.replaceChild(next, body);
  }
  function render(s) {
    document.getElementById('migration-id').textContent = s.migrationId || 'all runs';
    document.getElementById('topic-prefix').textContent = s.topicPrefix || '(none)';
    document.getElementById('generated-at').textContent = time(s.generatedAt);
    rows('entities', s.entities, function (tr, e) {
      tr.setAttribute('data-entity', e.entity);
      cell(tr, e.entity, { class: 'text' });
      cell(tr, count(e.postgres), { 'data-store': 'postgres' });
      cell(tr, count(e.kafka), { 'data-store': 'kafka' });
      cell(tr, count(e.clickhouse), { 'data-store': 'clickhouse' });
      cell(tr, count(e.weaviate), { 'data-store': 'weaviate' });
      var b = e.backfill;
      cell(tr, b ? b.status + ' (' + b.shards + (b.shards === 1 ? ' shard)' : ' shards)') : 'not started', { class: 'text ' + (b ? b.status : 'muted'), 'data-field': 'backfill-status' });
      var progress = cell(tr, '', { 'data-field': 'progress' });
      if (b) {
        var bar = document.createElement('span'); bar.className = 'bar';
        var fill = document.createElement('i'); fill.style.width = Math.round(b.fraction * 100) + '%';
        bar.appendChild(fill); progress.appendChild(bar);
        progress.appendChild(document.createTextNode(' ' + Math.floor(b.fraction * 100) + '%'));
      }
      cell(tr, b && b.rowsPerSecond !== null ? num(b.rowsPerSecond) + ' rows/s' : '-', { 'data-field': 'backfill-rate' });
      cell(tr, b ? seconds(b.etaSeconds) : '-', { 'data-field': 'eta' });
      cell(tr, num(e.rates.clickhouse), { 'data-field': 'clickhouse-rate' });
      cell(tr, num(e.rates.weaviate), { 'data-field': 'weaviate-rate' });
      cell(tr, num(e.deadLetters), { 'data-field': 'dead-letters' });
    });
    var errors = Object.keys(s.errors).map(function (k) { return k + ': ' + s.errors[k]; });
    s.entities.forEach(function (e) {
      ['postgres', 'kafka', 'clickhouse', 'weaviate'].forEach(function (store) {
        if (e[store] && e[store].error) errors.push(e.entity + ' ' + store + ': ' + e[store].error);
      });
    });
    document.getElementById('errors').textContent = errors.join(' | ');
    var verdict = document.getElementById('verdict');
    var last = s.lastCheck;
    verdict.textContent = last ? (last.verdict || last.status).toUpperCase() : 'no check yet';
    verdict.className = 'verdict ' + (last ? (last.verdict || last.status) : 'muted');
    document.getElementById('verdict-detail').textContent = last
      ? time(last.startedAt) + ', ' + last.mode + ', ' + num(last.discrepancies) + ' discrepancies, ' + num(last.deadLettered) + ' dead-lettered'
      : '';
    rows('history', s.history, function (tr, r) {
      tr.setAttribute('data-run', r.id);
      cell(tr, time(r.startedAt), { class: 'text' });
      cell(tr, r.verdict || r.status, { class: r.verdict || r.status, 'data-field': 'verdict' });
      cell(tr, r.mode);
      cell(tr, num(r.discrepancies));
      cell(tr, num(r.deadLettered));
      cell(tr, num(r.inFlight));
      cell(tr, (r.durationMs / 1000).toFixed(1));
    });
    rows('lag', s.lag, function (tr, g) {
      tr.setAttribute('data-group', g.group);
      tr.setAttribute('data-topic', g.topic);
      cell(tr, g.group, { class: 'text' });
      cell(tr, g.topic, { class: 'text' });
      cell(tr, num(g.lag), { 'data-field': 'lag' });
      cell(tr, g.partitions.filter(function (p) { return p.lag > 0; }).map(function (p) { return p.partition + ':' + p.lag; }).join(' ') || 'none', { class: 'text muted' });
    });
    rows('dead-letters', s.deadLetters.byStageAndReason, function (tr, d) {
      cell(tr, d.stage, { class: 'text' }); cell(tr, d.reason, { class: 'text' }); cell(tr, num(d.rows));
    });
    rows('restore-points', s.restorePoints, function (tr, p) {
      tr.setAttribute('data-point', p.name);
      cell(tr, p.name, { class: 'text' }); cell(tr, time(p.takenAt)); cell(tr, p.takenBy); cell(tr, p.targets.join(', '), { class: 'text' });
    });
    rows('rollbacks', s.rollbacks, function (tr, r) {
      tr.setAttribute('data-rollback', r.id);
      cell(tr, r.id, { class: 'text' }); cell(tr, time(r.to)); cell(tr, r.status, { class: r.status });
      cell(tr, r.stepsDone + '/' + r.steps); cell(tr, r.startedBy); cell(tr, time(r.startedAt));
    });
  }
  var status = document.getElementById('poll-status');
  function poll() {
    fetch('/dashboard/state', { cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (s) { render(s); status.textContent = 'live (every ' + POLL_MS / 1000 + ' s)'; document.body.setAttribute('data-polls', String(Number(document.body.getAttribute('data-polls') || 0) + 1)); })
      .catch(function (e) { status.textContent = 'not updating: ' + e.message; })
      .then(function () { setTimeout(poll, POLL_MS); });
  }
  poll();
})();
`;
