// The mlcp console: one page per hash route, every call through the console server's proxy
// (/api/<service>/v1/...), which adds the ID token. DOM built with textContent only: no HTML from
// data is ever parsed.
import uPlot from '/vendor/uplot/uPlot.esm.js';

const main = document.getElementById('main');
const status = document.getElementById('status');
const REFRESH_MS = 5000;
let config = { services: [], warehouse: 'bigquery' };
let timer = null;
let stream = null;
let charts = [];

// ---- helpers ---------------------------------------------------------------------------------

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(service, path, options = {}) {
  const response = await fetch(`/api/${service}${path}`, {
    ...options,
    headers: { Accept: 'application/json', ...(options.body ? { 'Content-Type': 'application/json' } : {}) },
  });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { detail: text.slice(0, 300) }; }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function has(service) { return config.services.includes(service); }

function badge(state, extra = '') {
  return h('span', { class: `badge s-${state} ${extra}`.trim() }, state ?? '–');
}

function ago(iso, now = Date.now()) {
  if (!iso) return '–';
  return duration((now - Date.parse(iso)) / 1000);
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function usd(x) { return x === null || x === undefined ? '–' : `$${Number(x).toFixed(4)}`; }
function time(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–'; }

function table(headers, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { class: /^(cost|duration|age|runs|\$)/i.test(t) ? 'num' : null }, t)))),
    h('tbody', {}, rows));
}

function errorBox(e, what) {
  return h('p', { class: 'error', 'data-error': what }, `${what}: ${e.message}`);
}

function setStatus(text) { status.textContent = text; }

function chart(title, xs, series, xLabel, opts = {}) {
  const width = Math.min(900, main.clientWidth - 40);
  const data = [xs, ...series.map((s) => s.values)];
  const colors = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];
  const el = h('div', { class: 'chart', 'data-chart': title });
  const plot = new uPlot({
    title, width, height: 240,
    scales: { x: { time: opts.time ?? false } },
    axes: [{ label: xLabel }, { label: opts.yLabel ?? '' }],
    series: [{ label: xLabel }, ...series.map((s, i) => ({
      label: s.label, stroke: colors[i % colors.length], width: 2,
      points: { show: true, size: 6 }, spanGaps: true,
    }))],
  }, data, el);
  charts.push(plot);
  return el;
}

// ---- pages -----------------------------------------------------------------------------------

async function runsPage() {
  if (!has('training-runner')) return h('p', { class: 'muted' }, 'training-runner is not configured.');
  const page = await api('training-runner', '/v1/runs?pageSize=50');
  const now = Date.now();
  const rows = page.runs.map((r) => {
    const end = r.finishedAt ? Date.parse(r.finishedAt) : now;
    const start = r.startedAt ? Date.parse(r.startedAt) : Date.parse(r.createdAt);
    return h('tr', { 'data-run': r.id, 'data-state': r.state },
      h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, r.id)),
      h('td', {}, r.name), h('td', {}, r.owner), h('td', {}, badge(r.state)),
      h('td', {}, time(r.createdAt)),
      h('td', { class: 'num' }, duration((end - start) / 1000)),
      h('td', { class: 'num' }, usd(r.costEstimateUsd)),
      h('td', { class: 'muted' }, r.reason ?? ''));
  });
  return h('section', {},
    h('h2', {}, `Runs (newest ${page.runs.length})`),
    table(['Run', 'Name', 'Owner', 'State', 'Created', 'Duration', 'Cost', 'Reason'], rows, { id: 'runs' }));
}

async function runPage(id) {
  const r = await api('training-runner', `/v1/runs/${encodeURIComponent(id)}`);
  const log = h('pre', { id: 'log', 'data-run': r.id });
  const state = h('span', { id: 'run-state' }, badge(r.state));
  const section = h('section', {},
    h('h2', {}, `Run ${r.id} `, state),
    h('div', { class: 'card' }, h('dl', {},
      h('dt', {}, 'name'), h('dd', {}, r.name),
      h('dt', {}, 'owner'), h('dd', {}, r.owner),
      h('dt', {}, 'image'), h('dd', {}, r.spec?.image ?? '–'),
      h('dt', {}, 'VM'), h('dd', {}, `${r.instance ?? '–'} (${[r.zone ?? '–', r.spec?.machineType, r.spot ? 'spot' : null].filter(Boolean).join(', ')})`),
      h('dt', {}, 'created'), h('dd', {}, time(r.createdAt)),
      h('dt', {}, 'deadline'), h('dd', {}, time(r.deadline)),
      h('dt', {}, 'cost'), h('dd', {}, usd(r.costEstimateUsd)),
      h('dt', {}, 'artifacts'), h('dd', {}, r.artifactUri ?? '–'),
      h('dt', {}, 'reason'), h('dd', {}, r.reason ?? '–'))),
    h('h3', {}, 'Logs ', h('span', { id: 'log-state', class: 'muted' }, 'connecting…')),
    log);
  section.stream = followLogs(r.id, log);
  return section;
}

const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED']; // RunState.terminal()

function followLogs(id, log) {
  // The server's follow API (SSE): one 'log' event per line, 'end' when the run has ended.
  // EventSource resumes with Last-Event-ID by itself after a dropped connection. The stream is
  // this page's own (closed by render when the page goes), and the run's state is also read every
  // few seconds: a follow that cannot reach the end (a proxy or service restarting, a connection
  // the browser keeps retrying) still shows the run ended.
  const es = new EventSource(`/api/training-runner/v1/runs/${encodeURIComponent(id)}/logs?follow=true`);
  const logState = () => document.getElementById('log-state');
  const showState = (state) => {
    const s = document.getElementById('run-state');
    if (s) s.replaceChildren(badge(state));
  };
  let done = false;
  let check = null;
  const end = (state) => {
    if (done) return;
    done = true;
    clearInterval(check);
    es.close();
    if (logState()) logState().textContent = `ended: ${state}`;
    showState(state);
  };
  es.addEventListener('open', () => { if (!done && logState()) logState().textContent = 'live'; });
  es.addEventListener('log', (ev) => {
    const d = JSON.parse(ev.data);
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(h('div', { class: 'line' }, `${d.timestamp} ${d.severity} ${d.message}`));
    if (atBottom) log.scrollTop = log.scrollHeight;
  });
  es.addEventListener('end', (ev) => end(JSON.parse(ev.data).state));
  es.addEventListener('error', () => { if (!done && logState()) logState().textContent = 'reconnecting…'; });
  let ticks = 0;
  check = setInterval(async () => {
    if (done || !document.body.contains(log)) {
      clearInterval(check);
      return;
    }
    try {
      const r = await api('training-runner', `/v1/runs/${encodeURIComponent(id)}`);
      showState(r.state);
      // The end event normally follows the last line within a poll of the server; a stream that
      // has not said so two checks after the state turned final (or is not open) is ended here.
      if (TERMINAL.includes(r.state) && (es.readyState !== EventSource.OPEN || ++ticks >= 2)) end(r.state);
    } catch { /* the next check retries */ }
  }, REFRESH_MS);
  return es;
}

async function vmsPage() {
  const now = Date.now();
  const parts = [h('h2', {}, 'VMs alive now')];
  const rows = [];
  let leaked = 0;
  if (has('training-runner')) {
    try {
      const page = await api('training-runner', '/v1/vms?pageSize=200');
      for (const v of page.vms) {
        if (!v.ownerLive) leaked++;
        rows.push(h('tr', { 'data-vm': v.name, class: v.ownerLive ? null : 'leaked', 'data-live': String(v.ownerLive) },
          h('td', {}, v.name), h('td', {}, 'training'), h('td', {}, badge(v.status, 'vm')),
          h('td', { class: 'num' }, ago(v.createdAt, now)),
          h('td', {}, v.runId ? h('a', { href: `#/runs/${encodeURIComponent(v.runId)}` }, v.runId) : '–', ' ', v.runState ? badge(v.runState) : ''),
          h('td', {}, v.owner ?? '–'), h('td', {}, time(v.deadline)),
          h('td', { class: 'num' }, usd(v.costSoFarUsd)),
          h('td', {}, v.ownerLive ? '' : badge('LEAKED'), ' ', v.why ?? '')));
      }
    } catch (e) { parts.push(errorBox(e, 'training VMs')); }
  }
  if (has('experiment-vm')) {
    try {
      const page = await api('experiment-vm', '/v1/experiments?pageSize=100');
      for (const x of page.experiments.filter((e) => e.instance && e.vmStatus && e.vmStatus !== 'TERMINATED')) {
        const live = !['DELETED', 'DELETING', 'FAILED'].includes(x.state);
        if (!live) leaked++;
        const started = x.startedAt ?? x.createdAt;
        rows.push(h('tr', { 'data-vm': x.instance, class: live ? null : 'leaked', 'data-live': String(live) },
          h('td', {}, x.instance), h('td', {}, 'notebook'), h('td', {}, badge(x.vmStatus, 'vm')),
          h('td', { class: 'num' }, ago(started, now)),
          h('td', {}, x.name, ' ', badge(x.state)), h('td', {}, x.owner),
          h('td', {}, time(x.expiresAt ?? x.hardDeadline)),
          h('td', { class: 'num' }, usd(x.costEstimateUsd)),
          h('td', {}, live ? (x.idle ?? '') : badge('LEAKED'))));
      }
    } catch (e) { parts.push(errorBox(e, 'notebook VMs')); }
  }
  parts.push(h('p', { id: 'vm-summary', class: leaked ? 'error' : 'muted' },
    `${rows.length} VMs; ${leaked} with no live owner${leaked ? ' (highlighted: the reconciler deletes them; look at why)' : ''}.`));
  parts.push(table(['VM', 'Kind', 'Status', 'Age', 'Run / experiment', 'Owner', 'Deadline', 'Cost so far', 'Owner live?'], rows, { id: 'vms' }));
  return h('section', {}, parts);
}

async function experimentsPage() {
  const page = await api('experiment-vm', '/v1/experiments?pageSize=100');
  const rows = page.experiments.map((x) => h('tr', { 'data-experiment': x.name },
    h('td', {}, x.name), h('td', {}, x.owner), h('td', {}, badge(x.state)),
    h('td', {}, x.vmStatus ?? '–'), h('td', {}, x.idle ?? '–', ' ', h('span', { class: 'muted' }, x.idleDetail ?? '')),
    h('td', {}, time(x.lastActivity)), h('td', {}, time(x.expiresAt)), h('td', {}, time(x.hardDeadline)),
    h('td', { class: 'num' }, usd(x.costEstimateUsd))));
  return h('section', {}, h('h2', {}, 'Experiments'),
    table(['Experiment', 'Owner', 'State', 'VM', 'Idle', 'Last activity', 'Expires', 'Hard deadline', 'Cost'], rows, { id: 'experiments' }));
}

async function modelsPage() {
  const page = await api('artifact-writer', '/v1/models?pageSize=50');
  const rows = page.models.map((m) => h('tr', { 'data-model': m.name },
    h('td', {}, h('a', { href: `#/models/${encodeURIComponent(m.name)}` }, m.name)),
    h('td', {}, m.owner), h('td', {}, m.latestVersion ?? '–'),
    h('td', {}, (m.aliases || []).map((a) => `${a.name} → ${a.version}`).join(', ') || '–'),
    h('td', {}, time(m.updatedAt))));
  return h('section', {}, h('h2', {}, 'Models'),
    table(['Model', 'Owner', 'Latest', 'Aliases', 'Updated'], rows, { id: 'models' }));
}

async function modelPage(name) {
  const m = encodeURIComponent(name);
  const [versions, aliases] = await Promise.all([
    api('artifact-writer', `/v1/models/${m}/versions?pageSize=100`),
    api('artifact-writer', `/v1/models/${m}/aliases`),
  ]);
  const vs = [...versions.versions].sort((a, b) => a.number - b.number);
  const allNames = [...new Set(vs.flatMap((v) => Object.keys(v.metrics || {})))].sort();
  // Scores (accuracy, AUC, loss) share one scale; counts and timings would flatten them.
  const scores = allNames.filter((k) => vs.every((v) => v.metrics?.[k] === undefined || Math.abs(v.metrics[k]) <= 1));
  const metricNames = scores.length ? scores : allNames;
  const parts = [h('h2', {}, `Model ${name}`)];
  if (vs.length && metricNames.length) {
    parts.push(chart(`${name}: metrics across versions`, vs.map((v) => v.number),
      metricNames.map((k) => ({ label: k, values: vs.map((v) => v.metrics?.[k] ?? null) })), 'version'));
  }
  parts.push(h('h3', {}, 'Versions'));
  parts.push(table(['Version', 'State', 'Gate', 'Metrics', 'Run', 'Registered'],
    [...vs].reverse().map((v) => h('tr', { 'data-version': v.version },
      h('td', {}, v.version), h('td', {}, badge(v.state)),
      h('td', {}, v.gate ? badge(v.gate.outcome) : '–', ' ',
        h('span', { class: 'muted' }, (v.gate?.checks || []).map((c) => `${c.name ?? c.metric ?? ''}${c.passed === false ? ' ✗' : ''}`).join(', '))),
      h('td', {}, Object.entries(v.metrics || {}).map(([k, x]) => `${k}=${Number(x).toFixed(4)}`).join('  ')),
      h('td', {}, v.runId ? h('a', { href: `#/runs/${encodeURIComponent(v.runId)}` }, v.runId) : '–'),
      h('td', {}, time(v.registeredAt)))), { id: 'versions' }));
  parts.push(h('h3', {}, 'Aliases'));
  for (const a of aliases) {
    parts.push(h('div', { class: 'card', 'data-alias': a.name },
      h('strong', {}, `${a.name} → ${a.version ?? '–'}`), a.protectedAlias ? h('span', { class: 'muted' }, ' (protected)') : '',
      table(['#', 'From', 'To', 'By', 'Via', 'Reason', 'At'], (a.history || []).map((mv) => h('tr', {},
        h('td', {}, mv.sequence), h('td', {}, mv.from ?? '–'), h('td', {}, mv.to ?? '–'), h('td', {}, mv.by),
        h('td', {}, mv.via), h('td', { class: 'muted' }, mv.reason ?? ''), h('td', {}, time(mv.at)))))));
  }
  return h('section', {}, parts);
}

const SPLIT_COLORS = ['#2563eb', '#059669', '#d97706', '#7c3aed', '#dc2626'];

async function servicesPage() {
  const page = await api('serving-deployer', '/v1/services?pageSize=50');
  const parts = [h('h2', {}, 'Services')];
  for (const s of page.services) {
    const rollouts = await api('serving-deployer', `/v1/services/${encodeURIComponent(s.name)}/rollouts?pageSize=10`)
      .then((r) => r.rollouts).catch(() => []);
    const split = h('div', { class: 'split', 'data-traffic': s.name },
      Object.entries(s.traffic || {}).filter(([, w]) => w > 0).map(([rev, w], i) =>
        h('div', { style: `width:${w}%;background:${SPLIT_COLORS[i % SPLIT_COLORS.length]}`, title: `${rev} ${w}%` }, `${rev} ${w}%`)));
    parts.push(h('div', { class: 'card', 'data-service': s.name },
      h('h3', {}, s.name, ' ', h('span', { class: 'muted' }, `${s.target} ${s.url ?? ''}`)),
      h('p', {}, 'Traffic: '), split,
      s.activeRollout ? h('p', {}, 'Active rollout: ', s.activeRollout) : '',
      h('h3', {}, 'Revisions'),
      table(['Revision', 'Model', 'Version', 'Status', 'Traffic', 'Health', 'Created'], (s.revisions || []).map((r) => h('tr', {},
        h('td', {}, r.revision), h('td', {}, r.model), h('td', {}, r.version), h('td', {}, badge(r.status)),
        h('td', { class: 'num' }, `${r.trafficPercent}%`),
        h('td', {}, r.health ? Object.entries(r.health).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v).toFixed(3) : v}`).join(' ') : '–'),
        h('td', {}, time(r.createdAt))))),
      h('h3', {}, 'Rollouts (canary steps, rollbacks)'),
      table(['Rollout', 'State', 'Revision', 'Strategy', 'Steps', 'Traffic', 'Last verdict', 'Reason', 'Created'], rollouts.map((r) => h('tr', { 'data-rollout': r.id, 'data-state': r.state },
        h('td', {}, r.id), h('td', {}, badge(r.state)), h('td', {}, `${r.revision} (${r.model} ${r.version})`),
        h('td', {}, r.strategy), h('td', {}, `${(r.stepsDone || []).length}/${(r.steps || []).length}: ${(r.steps || []).join(' → ')}`),
        h('td', { class: 'num' }, `${r.trafficPercent}%`), h('td', {}, r.lastVerdict ?? '–'),
        h('td', { class: 'muted' }, r.reason ?? ''), h('td', {}, time(r.createdAt)))))));
  }
  if (!page.services.length) parts.push(h('p', { class: 'muted' }, 'No services deployed.'));
  return h('section', {}, parts);
}

// The registry's runs table, one row per row_key (retries write duplicates), by owner and week.
export function costSql(dialect, dataset = 'mlcp_registry') {
  const week = dialect === 'duckdb' ? "date_trunc('week', finished_at)" : 'TIMESTAMP_TRUNC(finished_at, WEEK)';
  const since = dialect === 'duckdb' ? "current_timestamp - INTERVAL 84 DAY" : 'TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 84 DAY)';
  return `SELECT owner, CAST(${week} AS DATE) AS week, ROUND(SUM(cost_estimate_usd), 6) AS cost_usd, COUNT(*) AS runs `
    + `FROM (SELECT * FROM ${dataset}.runs WHERE finished_at >= ${since} `
    + 'QUALIFY ROW_NUMBER() OVER (PARTITION BY row_key ORDER BY recorded_at) = 1) '
    + 'GROUP BY owner, week ORDER BY week, owner';
}

async function costPage() {
  const result = await api('experiment-vm', '/v1/queries?pageSize=500', {
    method: 'POST', body: JSON.stringify({ sql: costSql(config.warehouse) }),
  });
  const rows = result.rows || [];
  const weeks = [...new Set(rows.map((r) => String(r.week).slice(0, 10)))].sort();
  const owners = [...new Set(rows.map((r) => r.owner))].sort();
  const parts = [h('h2', {}, 'Cost per owner per week (last 12 weeks, registry warehouse)')];
  if (weeks.length) {
    parts.push(chart('USD per week', weeks.map((w) => Date.parse(`${w}T00:00:00Z`) / 1000),
      owners.map((o) => ({ label: o, values: weeks.map((w) => {
        const r = rows.find((x) => x.owner === o && String(x.week).startsWith(w));
        return r ? Number(r.cost_usd) : null;
      }) })), 'week', { time: true, yLabel: 'USD' }));
  }
  parts.push(table(['Week', 'Owner', 'Cost', 'Runs'], rows.map((r) => h('tr', { 'data-owner': r.owner },
    h('td', {}, String(r.week).slice(0, 10)), h('td', {}, r.owner),
    h('td', { class: 'num' }, usd(r.cost_usd)), h('td', { class: 'num' }, r.runs))), { id: 'cost' }));
  parts.push(h('p', { class: 'muted' }, `Query ${result.id}: ${result.bytesProcessed} bytes, estimated ${usd(result.estimatedCostUsd)}. Estimates from machine prices, not the bill.`));
  return h('section', {}, parts);
}

// ---- routing ---------------------------------------------------------------------------------

const ROUTES = [
  [/^#\/runs\/(.+)$/, (m) => runPage(decodeURIComponent(m[1])), 'runs', false],
  [/^#\/runs$/, runsPage, 'runs', true],
  [/^#\/vms$/, vmsPage, 'vms', true],
  [/^#\/experiments$/, experimentsPage, 'experiments', true],
  [/^#\/models\/(.+)$/, (m) => modelPage(decodeURIComponent(m[1])), 'models', false],
  [/^#\/models$/, modelsPage, 'models', false],
  [/^#\/services$/, servicesPage, 'services', true],
  [/^#\/cost$/, costPage, 'cost', false],
];

async function render(refresh = false) {
  const hash = location.hash || '#/runs';
  const route = ROUTES.find(([re]) => re.test(hash)) || ROUTES[1];
  const [re, page, nav, live] = route;
  if (!refresh) {
    clearTimeout(timer);
    if (stream) { stream.close(); stream = null; }
    document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === nav));
  }
  const old = charts;
  charts = [];
  try {
    const content = await page(hash.match(re));
    if ((location.hash || '#/runs') !== hash) { // navigated away meanwhile
      content.stream?.close();
      return;
    }
    if (content.stream) {
      stream?.close();
      stream = content.stream;
    }
    old.forEach((c) => c.destroy());
    main.replaceChildren(content);
    main.dataset.page = nav;
    main.dataset.loaded = String(Date.now());
    setStatus(`updated ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    main.replaceChildren(errorBox(e, nav));
    // A service that is starting or busy (503, 502 from the proxy) is worth another look.
    if ([502, 503].includes(e.status)) {
      timer = setTimeout(() => render(true), REFRESH_MS);
      return;
    }
  }
  if (live) timer = setTimeout(() => render(true), REFRESH_MS);
}

async function boot() {
  try { config = await (await fetch('/config.json')).json(); } catch { /* keep the defaults */ }
  window.addEventListener('hashchange', () => render());
  await render();
}

boot();
