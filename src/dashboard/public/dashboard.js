// Westwind operations dashboard: reads /dashboard/api/*, redraws when /dashboard/events says the
// plan or a job changed. Plain browser JavaScript, no build step; charts by uPlot (served locally).

const $ = (selector, root = document) => root.querySelector(selector);
const COLORS = { green: '#3fb96f', grid: '#e0664b', running: '#4c9be8', paused: '#c9a227', waiting: '#7d6bd1', peak: 'rgba(224, 102, 75, 0.16)', now: '#e0664b' };
const charts = new Map();
let selectedJob = null;

const mwh = (v) => (v == null ? '–' : v >= 100 ? `${v.toFixed(0)} MWh` : `${v.toFixed(2)} MWh`);
const percent = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '–');
const sum = (values) => values.reduce((a, b) => a + b, 0);

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function text(el, value) {
  if (el.textContent !== value) el.textContent = value;
}

// ---- headline figures ----

function renderHeadline(o) {
  const { metered, planned, fifo, gridAvoidedMwh } = o.energy;
  text($('#clock'), `service time ${new Date(o.now).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' })}`);
  text($('#plan-version'), o.plan ? `plan v${o.plan.version}` : 'no plan yet');
  text($('#green-share'), percent(planned?.greenShare ?? null));
  text($('#green-share-note'), `planned, ${mwh(planned?.energyMwh)} in the horizon · so far ${percent(metered.greenShare)} of ${mwh(metered.energyMwh)}`);
  text($('#grid-avoided'), gridAvoidedMwh == null ? '–' : mwh(gridAvoidedMwh));
  text($('#grid-avoided-note'), fifo ? `planned grid ${mwh(fifo.westwindGridMwh)} vs ${mwh(fifo.gridMwh)} if every job ran at submission (as of ${when(fifo.computedAt)})` : 'computing…');
  text($('#peak-grid'), mwh(planned?.peakGridMwh ?? null));
  text($('#peak-grid-note'), `planned · so far ${mwh(metered.peakGridMwh)}${fifo ? ` · fifo would plan ${mwh(fifo.peakGridMwh)}` : ''}`);
  text($('#deadline-risk'), String(o.deadlineRisk.count));
  text($('#jobs-by-state'), Object.entries(o.jobsByState).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(' · ') || 'no jobs yet');
}

// ---- per-site charts ----

/** Shades the site's peak hours and draws the "now" line, under and over the series. */
function peakAndNow(site, nowSeconds) {
  return {
    hooks: {
      drawClear: [(u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.fillStyle = COLORS.peak;
        site.peak.forEach((flag, h) => {
          if (!flag) return;
          const x0 = u.valToPos(site.hours[h], 'x', true);
          const x1 = u.valToPos(site.hours[h] + 3600, 'x', true);
          ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
        });
        ctx.restore();
      }],
      draw: [(u) => {
        const { ctx, bbox } = u;
        const x = u.valToPos(nowSeconds(), 'x', true);
        if (x < bbox.left || x > bbox.left + bbox.width) return;
        ctx.save();
        ctx.strokeStyle = COLORS.now;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x, bbox.top);
        ctx.lineTo(x, bbox.top + bbox.height);
        ctx.stroke();
        ctx.restore();
      }],
    },
  };
}

/** Series for uPlot: x, green supply, stacked AI load (drawn largest first so each fills to zero), grid import. */
function chartData(site) {
  const { running, paused, waiting } = site.aiMw;
  const runningPaused = running.map((v, h) => v + paused[h]);
  const all = runningPaused.map((v, h) => v + waiting[h]);
  return [site.hours, site.greenMw, all, runningPaused, running, site.gridMw];
}

const CHART_HEIGHT = 220;
const chartWidth = (figure) => Math.max(320, figure.clientWidth - 16);

function chartOptions(site, width, nowSeconds) {
  const step = { paths: uPlot.paths.stepped({ align: 1 }) };
  return {
    width,
    height: CHART_HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), site.timeZone),
    plugins: [peakAndNow(site, nowSeconds)],
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [{ stroke: '#8a97a5', grid: { stroke: '#2a3440' } }, { stroke: '#8a97a5', grid: { stroke: '#2a3440' }, label: 'MW' }],
    series: [
      {},
      { label: 'green supply', stroke: COLORS.green, width: 2, ...step },
      { label: 'AI: + waiting', stroke: COLORS.waiting, fill: 'rgba(125, 107, 209, 0.55)', ...step },
      { label: 'AI: + paused', stroke: COLORS.paused, fill: 'rgba(201, 162, 39, 0.6)', ...step },
      { label: 'AI: running', stroke: COLORS.running, fill: 'rgba(76, 155, 232, 0.7)', ...step },
      { label: 'grid import', stroke: COLORS.grid, width: 2, dash: [6, 4], ...step },
    ],
  };
}

function renderSites(o) {
  const nowSeconds = () => Date.parse(o.now) / 1000;
  const zones = $('#zones');
  for (const site of o.sites) {
    let figure = document.getElementById(`site-${site.id}`);
    if (!figure) {
      let zone = document.getElementById(`zone-${site.zone}`);
      if (!zone) {
        zone = document.createElement('div');
        zone.className = 'zone';
        zone.id = `zone-${site.zone}`;
        zone.innerHTML = `<h3></h3><div class="sites"></div>`;
        $('h3', zone).textContent = `Zone ${site.zone} (${site.timeZone})`;
        zones.append(zone);
      }
      figure = document.createElement('figure');
      figure.className = 'site';
      figure.id = `site-${site.id}`;
      figure.innerHTML = '<div class="chart"></div><figcaption></figcaption>';
      $('.sites', zone).append(figure);
    }
    const data = chartData(site);
    const aiMwh = sum(data[2]);
    figure.dataset.aiMwh = aiMwh.toFixed(3);
    figure.dataset.greenMwh = sum(site.greenMw).toFixed(3);
    figure.dataset.hours = String(site.hours.length);
    $('figcaption', figure).innerHTML = `<b></b> · ${site.gpus} GPUs · planned AI ${mwh(aiMwh)}, grid ${mwh(sum(site.gridMw))}, green supply ${mwh(sum(site.greenMw))} over ${site.hours.length} h`;
    $('figcaption b', figure).textContent = site.id;
    const chart = charts.get(site.id);
    if (chart) {
      chart.setData(data);
    } else {
      const created = new uPlot(chartOptions(site, chartWidth(figure), nowSeconds), data, $('.chart', figure));
      charts.set(site.id, created);
      // Charts follow their column's width as the window or the grid of sites changes.
      new ResizeObserver(() => created.setSize({ width: chartWidth(figure), height: CHART_HEIGHT })).observe(figure);
    }
  }
}

// ---- jobs table and timeline ----

function filters() {
  const form = new FormData($('#filters'));
  const params = new URLSearchParams();
  for (const [key, value] of form) if (value) params.set(key, String(value));
  return params;
}

function fillSelect(select, values) {
  if (select.options.length > 1) return;
  for (const value of values) select.add(new Option(value, value));
}

function cell(row, content, className) {
  const td = row.insertCell();
  if (className) td.className = className;
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

function renderJobs(rows) {
  const body = $('#jobs tbody');
  body.replaceChildren();
  for (const job of rows) {
    const tr = body.insertRow();
    tr.dataset.jobId = job.id;
    tr.dataset.state = job.state;
    if (job.id === selectedJob) tr.classList.add('selected');
    const name = document.createElement('span');
    name.innerHTML = '<span class="name"></span><span class="id"></span>';
    $('.name', name).textContent = job.name;
    $('.id', name).textContent = `${job.id.slice(0, 13)}… · ${job.gpus} GPUs${job.deferrable ? ' · deferrable' : ''}`;
    cell(tr, name);
    cell(tr, job.tenant);
    const state = document.createElement('span');
    state.className = `state ${job.state}`;
    state.textContent = job.state;
    cell(tr, state, 'state-cell');
    cell(tr, job.site ?? '–');
    cell(tr, job.next ? `${job.next.action} ${when(job.next.at)}` : '–');
    cell(tr, when(job.expectedFinish), job.late ? 'late' : '');
    cell(tr, when(job.deadline));
    cell(tr, job.reason, 'reason');
    tr.addEventListener('click', () => showTimeline(job.id));
  }
  text($('#job-count'), `${rows.length} shown, newest first`);
}

function bar(track, className, from, to, start, span, label) {
  const el = document.createElement('div');
  el.className = `bar ${className}`;
  el.style.left = `${((from - start) / span) * 100}%`;
  el.style.width = `${Math.max(0.3, ((to - from) / span) * 100)}%`;
  el.textContent = label;
  el.title = `${label}: ${when(new Date(from).toISOString())} – ${when(new Date(to).toISOString())}`;
  track.append(el);
}

function marker(track, className, at, start, span, title) {
  if (at < start || at > start + span) return;
  const el = document.createElement('div');
  el.className = `marker ${className}`;
  el.style.left = `${((at - start) / span) * 100}%`;
  el.title = title;
  track.append(el);
}

async function showTimeline(id) {
  selectedJob = id;
  const { job, plan, now } = await getJson(`/dashboard/api/jobs/${encodeURIComponent(id)}`);
  const nowMs = Date.parse(now);
  const planned = plan?.segments ?? [];
  const actual = job.run?.segments ?? [];
  const instants = [Date.parse(job.submittedAt), Date.parse(job.deadline), nowMs, ...planned.flatMap((s) => [Date.parse(s.start), Date.parse(s.end)]), ...actual.map((s) => Date.parse(s.start))];
  const start = Math.min(...instants);
  const span = Math.max(...instants) - start || 3_600_000;
  const panel = $('#timeline');
  panel.hidden = false;
  panel.dataset.jobId = id;
  panel.innerHTML = '<h3></h3><div class="gantt-row planned"><span class="label">planned</span><div class="gantt-track"></div></div><div class="gantt-row actual"><span class="label">actual</span><div class="gantt-track"></div></div><div class="axis"><span></span><span></span></div><p class="note"></p>';
  $('h3', panel).textContent = `${job.name} — ${job.state}`;
  const plannedTrack = $('.planned .gantt-track', panel);
  const actualTrack = $('.actual .gantt-track', panel);
  for (const s of planned) bar(plannedTrack, 'planned', Date.parse(s.start), Date.parse(s.end), start, span, s.site);
  for (const s of actual) bar(actualTrack, 'actual', Date.parse(s.start), s.end ? Date.parse(s.end) : nowMs, start, span, s.site);
  for (const track of [plannedTrack, actualTrack]) {
    marker(track, 'now', nowMs, start, span, 'now');
    marker(track, 'deadline', Date.parse(job.deadline), start, span, 'deadline');
  }
  const [from, to] = panel.querySelectorAll('.axis span');
  from.textContent = when(new Date(start).toISOString());
  to.textContent = when(new Date(start + span).toISOString());
  text($('p.note', panel), plan?.reason ?? job.history.at(-1)?.reason ?? '');
  document.querySelectorAll('#jobs tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.jobId === id));
}

// ---- refresh, on load and on every change ----

let refreshing = null;
let again = false;

async function refresh() {
  if (refreshing) return void (again = true);
  refreshing = (async () => {
    const [overview, jobs] = await Promise.all([getJson('/dashboard/api/overview'), getJson(`/dashboard/api/jobs?${filters()}`)]);
    fillSelect($('#filters select[name=state]'), overview.states);
    fillSelect($('#filters select[name=tenant]'), overview.tenants);
    renderHeadline(overview);
    renderSites(overview);
    renderJobs(jobs.items);
    if (selectedJob) await showTimeline(selectedJob);
    document.body.dataset.planVersion = String(overview.plan?.version ?? 0);
  })();
  try {
    await refreshing;
    $('#live').title = 'Live updates (Server-Sent Events)';
  } catch (error) {
    // Shown to the operator (the indicator), and an error in the console for whoever debugs it.
    $('#live').className = 'live off';
    $('#live').title = `Last update failed: ${error.message}`;
    console.error('dashboard update failed', error);
  } finally {
    refreshing = null;
    if (again) (again = false), void refresh();
  }
}

function listen() {
  const live = $('#live');
  const events = new EventSource('/dashboard/events');
  events.onopen = () => ((live.className = 'live on'), (live.textContent = 'live'));
  events.onerror = () => ((live.className = 'live off'), (live.textContent = 'reconnecting…'));
  events.addEventListener('change', () => void refresh());
}

$('#filters').addEventListener('change', () => void refresh());
window.addEventListener('DOMContentLoaded', () => {
  void refresh();
  listen();
});
