// Westwind operations dashboard: reads /dashboard/api/*, redraws when /dashboard/events says the
// plan or a job changed. Plain browser JavaScript, no build step; charts by uPlot (served locally).

const $ = (selector, root = document) => root.querySelector(selector);
const COLORS = {
  green: '#3fb96f',
  grid: '#e0664b',
  running: '#4c9be8',
  paused: '#c9a227',
  waiting: '#7d6bd1',
  peak: 'rgba(224, 102, 75, 0.16)',
  possiblePeak: 'rgba(224, 102, 75, 0.07)',
  noForecast: 'rgba(138, 151, 165, 0.16)',
  now: '#f4f6f8',
  muted: '#8a97a5',
};
const HOUR_MS = 3_600_000;
const PROVIDER_REFRESH_MS = 30_000;
const charts = new Map();
/** Each site's newest chart data: the charts' hooks and legends read it, so they never draw a stale plan. */
const latestSites = new Map();
let selectedJob = null;
let lastNowMs = Date.now();

const mwh = (v) => (v == null ? '–' : v >= 100 ? `${v.toFixed(0)} MWh` : `${v.toFixed(2)} MWh`);
const mw = (v) => (v == null ? '–' : `${v.toFixed(v >= 100 ? 0 : 2)} MW`);
const percent = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
/** A power cap as operators say it: 0.7 → "70%". */
const capText = (fraction) => `${Math.round(fraction * 100)}%`;
/** Power and energy at a grid event's scale: kW and kWh below 1 MW(h). */
const power = (v) => (v == null ? '–' : Math.abs(v) >= 1 ? `${v.toFixed(2)} MW` : `${(v * 1000).toFixed(2)} kW`);
const energy = (v) => (v == null ? '–' : Math.abs(v) >= 1 ? `${v.toFixed(2)} MWh` : `${(v * 1000).toFixed(2)} kWh`);
const sum = (values) => values.reduce((a, b) => a + b, 0);

// ---- time: one convention, labelled ----
// Every time is shown in one zone with that zone's IANA name beside it: the site's own zone (a
// job's times, its site's chart), or UTC for all when the operator picks it. 24-hour, ISO dates.

const TIME_MODE_KEY = 'westwind.timeMode';
let timeMode = localStorage.getItem(TIME_MODE_KEY) === 'utc' ? 'utc' : 'local';
const siteZones = new Map();
/** For times that belong to no site (a job not placed yet, the fifo baseline): the first site's zone. */
let defaultZone = 'UTC';

const shownZone = (zone) => (timeMode === 'utc' ? 'UTC' : (zone ?? defaultZone));
const formatters = new Map();

/** Date and time of `ms` in `zone`: { date: '2026-03-02', time: '14:00' }. */
function partsIn(ms, zone) {
  let format = formatters.get(zone);
  if (!format) {
    const date = { year: 'numeric', month: '2-digit', day: '2-digit' };
    const time = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, ...date, ...time });
    formatters.set(zone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** "2026-03-02 14:00 Asia/Shanghai": `ms` in the zone shown for `zone`. */
function stamp(ms, zone) {
  const shown = shownZone(zone);
  const { date, time } = partsIn(ms, shown);
  return `${date} ${time} ${shown}`;
}

/** The same as an element: the zone's name set apart so the eye finds the time. */
function stampElement(ms, zone) {
  const shown = shownZone(zone);
  const { date, time } = partsIn(ms, shown);
  const el = document.createElement('time');
  el.dateTime = new Date(ms).toISOString();
  el.innerHTML = '<span class="t"></span> <span class="tz"></span>';
  $('.t', el).textContent = `${date} ${time}`;
  $('.tz', el).textContent = shown;
  return el;
}

/** The instant a local "HH:mm" in `zone` names: on `date`, or the next one from `anchorMs`. */
function instantOf(date, hhmm, zone, anchorMs) {
  const offsetAt = (ms) => {
    const p = partsIn(ms, zone);
    return Date.parse(`${p.date}T${p.time}:00Z`) - Math.floor(ms / 60_000) * 60_000;
  };
  const at = (day) => {
    const wall = Date.parse(`${day}T${hhmm}:00Z`);
    return wall - offsetAt(wall - offsetAt(anchorMs)); // the offset in force then (DST)
  };
  const day = date ?? partsIn(anchorMs, zone).date;
  const ms = at(day);
  return date || ms >= anchorMs ? ms : at(new Date(Date.parse(day) + 24 * HOUR_MS).toISOString().slice(0, 10));
}

// What the planner writes in reasons: ISO instants, and local times labelled with their zone —
// "17:00–22:00 Asia/Shanghai", "2026-03-02 11:00 Asia/Shanghai", "… 13:00 at west (Asia/Shanghai)".
const ZONE = '(?:UTC|[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+)';
const REASON_TIMES = new RegExp(
  '(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?Z)' +
    '|(?:(\\d{4}-\\d{2}-\\d{2}) )?(\\d{2}:\\d{2})(?:–(\\d{2}:\\d{2}))?' +
    `(?:( at [\\w.-]+ )\\((${ZONE})\\)| (${ZONE}))`,
  'g',
);

/**
 * A reason with its times in the convention shown, dated where the date is known. The planner
 * dates times a day or more ahead, but not a start or resume: that is the job's next action,
 * given in `hints`. Any other undated time is read as the next one from the plan's first hour
 * (a reason's times lie in the plan's horizon) and stays undated.
 */
function reasonText(reason, zone, hints = []) {
  const anchor = Math.floor(lastNowMs / HOUR_MS) * HOUR_MS;
  return reason.replace(REASON_TIMES, (match, iso, date, from, to, atSite, zoneInParens, zoneAfter) => {
    if (iso) return stamp(Date.parse(iso), zone);
    const written = zoneInParens ?? zoneAfter;
    const hinted = date ? undefined : hints.find((ms) => ms >= anchor && partsIn(ms, written).time === from);
    if (timeMode !== 'utc' && hinted === undefined) return match;
    const shown = timeMode === 'utc' ? 'UTC' : written;
    const start = hinted ?? instantOf(date, from, written, anchor);
    const { date: day, time } = partsIn(start, shown);
    let text = date || hinted !== undefined ? `${day} ${time}` : time;
    if (to) text += `–${partsIn(instantOf(null, to, written, start + 60_000), shown).time}`;
    return atSite ? `${text}${atSite}(${shown})` : `${text} ${shown}`;
  });
}

function setTimeMode(mode) {
  timeMode = mode;
  localStorage.setItem(TIME_MODE_KEY, mode);
  document.body.dataset.timeMode = mode;
  for (const button of document.querySelectorAll('#time-mode button')) {
    button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
  }
  // The charts' axes follow the zone: built anew.
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  void refresh();
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function text(el, value) {
  if (el.textContent !== value) el.textContent = value;
}

// ---- headline figures ----

function renderClock(o) {
  const now = Date.parse(o.now);
  const zones = timeMode === 'utc' ? ['UTC'] : [...new Set(o.sites.map((s) => s.timeZone))];
  const clock = $('#clock');
  const shown = zones.map((zone) => stampElement(now, zone));
  const label = `service time ${shown.map((el) => el.textContent).join(' · ')}`;
  if (clock.dataset.label === label) return;
  clock.dataset.label = label;
  clock.replaceChildren('service time ', ...shown.flatMap((el, i) => (i ? [' · ', el] : [el])));
}

function renderHeadline(o) {
  const { metered, planned, fifo, gridAvoidedMwh } = o.energy;
  renderClock(o);
  text($('#plan-version'), o.plan ? `plan v${o.plan.version}` : 'no plan yet');
  text($('#green-share'), percent(planned?.greenShare ?? null));
  const soFar = `so far ${percent(metered.greenShare)} of ${mwh(metered.energyMwh)}`;
  text($('#green-share-note'), `planned, ${mwh(planned?.energyMwh)} in the horizon · ${soFar}`);
  text($('#grid-avoided'), gridAvoidedMwh == null ? '–' : mwh(gridAvoidedMwh));
  if (fifo) {
    const asOf = `${partsIn(Date.parse(fifo.computedAt), shownZone()).time} ${shownZone()}`;
    const versus = `planned grid ${mwh(fifo.westwindGridMwh)} vs ${mwh(fifo.gridMwh)}`;
    text($('#grid-avoided-note'), `${versus} if every job ran at submission (as of ${asOf})`);
  } else {
    text($('#grid-avoided-note'), 'computing…');
  }
  text($('#peak-grid'), mwh(planned?.peakGridMwh ?? null));
  const fifoPeak = fifo ? ` · fifo would plan ${mwh(fifo.peakGridMwh)}` : '';
  text($('#peak-grid-note'), `planned · so far ${mwh(metered.peakGridMwh)}${fifoPeak}`);
  text($('#deadline-risk'), String(o.deadlineRisk.count));
  const { lateRisk } = o.deadlineRisk;
  lateRiskThreshold = lateRisk.threshold;
  text($('#late-risk-note'), `${lateRisk.count} at ≥ ${capText(lateRisk.threshold)} late risk (late ones included)`);
  const byState = Object.entries(o.jobsByState).filter(([, n]) => n > 0);
  text($('#jobs-by-state'), byState.map(([s, n]) => `${n} ${s}`).join(' · ') || 'no jobs yet');
}

// ---- per-site charts ----

/**
 * An hour counted as peak only because the load forecast may be off: the zone judges peaks by its load forecast,
 * and the hour's chance of turning out one is at least 10% (so it is peak) but under 50% (the forecast alone says no).
 */
const POSSIBLE_PEAK_BELOW = 0.5;
const possiblePeak = (site, h) =>
  site.peak[h] === 1 && site.peakChance != null && site.peakChance[h] < POSSIBLE_PEAK_BELOW;

/** Hours the chart spans: those with a forecast, or as far as something is planned, a day at least. */
function shownHours(site) {
  const load = chartData(site)[2];
  const lastLoad = load.findLastIndex((v, h) => v > 0 || site.gridMw[h] > 0) + 1;
  return Math.min(site.hours.length, Math.max(24, site.forecastHours, lastLoad));
}

/**
 * Under the series: peak hours shaded red (possible peaks lighter), hours without a forecast grey. Over them: the
 * "now" line, white and labelled, so it stands out from the red of peak and grid import. Pointing at a peak hour
 * says so under the chart, with its chance where the load forecast's error decides it.
 */
function shadingAndNow(id) {
  const hourSpan = (u, site, from, to) => {
    const x0 = u.valToPos(site.hours[0] + from * 3600, 'x', true);
    const x1 = u.valToPos(site.hours[0] + to * 3600, 'x', true);
    return [Math.max(x0, u.bbox.left), Math.min(x1, u.bbox.left + u.bbox.width)];
  };
  return {
    hooks: {
      drawClear: [
        (u) => {
          const site = latestSites.get(id);
          const { ctx, bbox } = u;
          ctx.save();
          site.peak.forEach((flag, h) => {
            if (!flag) return;
            const [x0, x1] = hourSpan(u, site, h, h + 1);
            ctx.fillStyle = possiblePeak(site, h) ? COLORS.possiblePeak : COLORS.peak;
            if (x1 > x0) ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
          });
          const [f0, f1] = hourSpan(u, site, site.forecastHours, site.hours.length);
          if (f1 > f0) {
            ctx.fillStyle = COLORS.noForecast;
            ctx.fillRect(f0, bbox.top, f1 - f0, bbox.height);
            ctx.fillStyle = COLORS.muted;
            ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
            ctx.textBaseline = 'top';
            // Below the "now" label, which sits at the top.
            ctx.fillText('no forecast yet', f0 + 6 * devicePixelRatio, bbox.top + 20 * devicePixelRatio);
          }
          ctx.restore();
        },
      ],
      setCursor: [(u) => showPeakTip(id, u.cursor.idx)],
      draw: [
        (u) => {
          const { ctx, bbox } = u;
          const x = Math.round(u.valToPos(lastNowMs / 1000, 'x', true));
          if (x < bbox.left || x > bbox.left + bbox.width) return;
          const px = devicePixelRatio;
          ctx.save();
          ctx.setLineDash([]);
          ctx.strokeStyle = COLORS.now;
          ctx.lineWidth = 2 * px;
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
          ctx.font = `600 ${Math.round(11 * px)}px system-ui, sans-serif`;
          const label = 'now';
          const width = ctx.measureText(label).width + 8 * px;
          ctx.fillStyle = COLORS.now;
          ctx.fillRect(x - width / 2, bbox.top, width, 15 * px);
          ctx.fillStyle = '#0f1419';
          ctx.textBaseline = 'middle';
          ctx.textAlign = 'center';
          ctx.fillText(label, x, bbox.top + 7.5 * px);
          ctx.restore();
        },
      ],
    },
  };
}

/** Under the chart, while the pointer is on a peak hour: which, in the zone shown, and its chance if it has one. */
function showPeakTip(id, h) {
  const tip = $(`#site-${id} .peak-tip`);
  const site = latestSites.get(id);
  if (!tip || !site) return;
  if (h == null || !site.peak[h]) {
    tip.hidden = true;
    return;
  }
  const from = stamp(site.hours[h] * 1000, site.timeZone);
  const to = partsIn((site.hours[h] + 3600) * 1000, shownZone(site.timeZone)).time;
  const chance = site.peakChance?.[h];
  const what = possiblePeak(site, h)
    ? `possible peak: ${Math.round(chance * 100)}% chance that the load makes it one (load forecast error)`
    : chance != null && chance < 1
      ? `peak: ${Math.round(chance * 100)}% chance by the load forecast`
      : 'peak';
  tip.textContent = `${from.replace(/ (\S+)$/, `–${to} $1`)} · ${what}`;
  tip.dataset.hour = String(h);
  tip.hidden = false;
}

/** Series for uPlot: x, green supply, stacked AI load (drawn largest first so each fills to zero), grid import. */
function chartData(site) {
  const { running, paused, waiting } = site.aiMw;
  const runningPaused = running.map((v, h) => v + paused[h]);
  const all = runningPaused.map((v, h) => v + waiting[h]);
  return [site.hours, site.greenMw, all, runningPaused, running, site.gridMw];
}

const CHART_HEIGHT = 240;
const chartWidth = (figure) => Math.max(320, figure.clientWidth - 16);

/** Tick labels: the hour, with the ISO date under the first tick of each day. */
function timeTicks(splits, zone) {
  let lastDate = null;
  return splits.map((seconds) => {
    const { date, time } = partsIn(seconds * 1000, zone);
    const label = date === lastDate ? time : `${time}\n${date}`;
    lastDate = date;
    return label;
  });
}

function chartOptions(site, width) {
  const id = site.id;
  const zone = shownZone(site.timeZone);
  const step = { paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } };
  // Legend values under the cursor: each stacked series shows its own part, not the stack's top.
  const part = (key) => (u, v, s, idx) => (idx == null ? '–' : mw(latestSites.get(id).aiMw[key][idx]));
  const own = (u, v) => (v == null ? '–' : mw(v));
  const axis = { stroke: COLORS.muted, grid: { stroke: '#2a3440' }, ticks: { stroke: '#2a3440' } };
  return {
    width,
    height: CHART_HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
    plugins: [shadingAndNow(id)],
    cursor: { points: { show: false } },
    legend: { live: true },
    scales: {
      x: {
        time: true,
        range: () => {
          const s = latestSites.get(id);
          return [s.hours[0], s.hours[0] + shownHours(s) * 3600];
        },
      },
      y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] },
    },
    axes: [
      { ...axis, values: (u, splits) => timeTicks(splits, zone), label: `time (${zone})`, labelSize: 18, space: 70 },
      { ...axis, label: 'MW' },
    ],
    series: [
      { label: 'time', value: (u, v) => (v == null ? '–' : stamp(v * 1000, site.timeZone)) },
      { label: 'green supply', stroke: COLORS.green, width: 2, value: own, ...step },
      { label: 'AI waiting', stroke: COLORS.waiting, fill: 'rgba(125,107,209,.55)', value: part('waiting'), ...step },
      { label: 'AI paused', stroke: COLORS.paused, fill: 'rgba(201,162,39,.6)', value: part('paused'), ...step },
      { label: 'AI running', stroke: COLORS.running, fill: 'rgba(76,155,232,.7)', value: part('running'), ...step },
      { label: 'grid import', stroke: COLORS.grid, width: 2, dash: [6, 4], value: own, ...step },
    ],
  };
}

/** A zone's block: its heading, its forecast providers and forecast error, its sites' charts. */
function zoneElement(zones, id, timeZone) {
  let zone = document.getElementById(`zone-${id}`);
  if (!zone) {
    zone = document.createElement('div');
    zone.className = 'zone';
    zone.id = `zone-${id}`;
    zone.innerHTML =
      '<h3></h3><ul class="providers"></ul><p class="forecast-error note"></p>' +
      '<p class="load-forecast-error note"></p><div class="sites"></div>';
    $('h3', zone).textContent = `Zone ${id} (${timeZone})`;
    zones.append(zone);
  }
  return zone;
}

// ---- forecast providers and forecast error, per zone ----

const PROVIDER_NAMES = { entsoe: 'ENTSO-E', 'electricity-maps': 'Electricity Maps', watttime: 'WattTime' };

/** An age in seconds as an operator reads it: 45 s, 12 min, 5 h, 3 d. */
function age(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function span(className, content, title) {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = content;
  if (title) el.title = title;
  return el;
}

/** One provider's line: what it is, when it last brought a forecast, stale or not, its last error. */
function providerItem(p, zone) {
  const li = document.createElement('li');
  li.className = `provider${p.stale ? ' stale' : ''}`;
  li.dataset.provider = p.type;
  li.dataset.stale = String(p.stale);
  const parts = [span('name', PROVIDER_NAMES[p.type] ?? p.type, `area ${p.area}, pulled every ${p.refresh}`)];
  parts.push(span('area', p.area));
  const fetched = p.ageSeconds == null ? 'no good pull yet' : `last good pull ${age(p.ageSeconds)} ago`;
  parts.push(span('age', fetched, p.lastSuccessAt ? `at ${p.lastSuccessAt} (service clock)` : undefined));
  parts.push(span(p.stale ? 'state stale' : 'state ok', p.stale ? 'stale' : 'fresh'));
  if (p.lastError) {
    const failures = p.consecutiveFailures > 0 ? ` (${p.consecutiveFailures} in a row)` : ' (since recovered)';
    const error = span('error', 'last error ');
    error.append(
      stampElement(Date.parse(p.lastError.at), zone),
      ` ${p.lastError.kind}: ${p.lastError.message}${failures}`,
    );
    parts.push(error);
  }
  if (p.stale && p.nextAttemptAt) {
    const next = span('next', 'next try ');
    next.append(stampElement(Date.parse(p.nextAttemptAt), zone));
    parts.push(next);
  }
  li.replaceChildren(...parts.flatMap((el, i) => (i ? [' · ', el] : [el])));
  return li;
}

const LEAD_NAMES = { '0-6h': '0–6 h', '6-24h': '6–24 h', '24-48h': '24–48 h', '48-72h': '48–72 h', '72h+': '72 h+' };

function renderZones(list) {
  const zones = $('#zones');
  for (const z of list) {
    // Zones with neither a site nor a provider have nothing to show.
    if (z.providers.length === 0 && !document.getElementById(`zone-${z.id}`)) continue;
    const zone = zoneElement(zones, z.id, z.timeZone);
    const providers = $('.providers', zone);
    providers.replaceChildren(...z.providers.map((p) => providerItem(p, z.timeZone)));
    providers.hidden = z.providers.length === 0;
    zone.dataset.staleProviders = String(z.providers.filter((p) => p.stale).length);
    renderForecastError($('.forecast-error', zone), 'forecast error of green supply by lead: ', z.forecastError);
    const load = 'forecast error of load by lead (load-derived peaks are judged under it): ';
    renderForecastError($('.load-forecast-error', zone), load, z.loadForecastError);
  }
}

/** A series' forecast error by lead bucket: the figure in force, its source and what was measured in its title. */
function renderForecastError(el, label, error) {
  const buckets = error.buckets.map((b) => {
    const bucket = span(`bucket ${b.source}`, `${LEAD_NAMES[b.lead] ?? b.lead} ${percent(b.relativeError)}`);
    bucket.dataset.lead = b.lead;
    bucket.dataset.source = b.source;
    const measured = b.measured.relativeError == null ? 'nothing measured' : percent(b.measured.relativeError);
    bucket.title = `${b.source}; measured: ${measured} over ${b.measured.hours} h (${b.measured.pairs} comparisons)`;
    return bucket;
  });
  el.replaceChildren(label, ...buckets.flatMap((b, i) => (i ? [' · ', b] : [b])));
}

function renderSites(o) {
  const zones = $('#zones');
  for (const site of o.sites) {
    latestSites.set(site.id, site);
    let figure = document.getElementById(`site-${site.id}`);
    if (!figure) {
      const zone = zoneElement(zones, site.zone, site.timeZone);
      figure = document.createElement('figure');
      figure.className = 'site';
      figure.id = `site-${site.id}`;
      figure.innerHTML =
        '<div class="chart"></div><p class="peak-tip" hidden></p><p class="peak-key"></p><figcaption></figcaption>';
      $('.sites', zone).append(figure);
      // Charts follow their column's width as the window or the grid of sites changes.
      const follow = () => charts.get(site.id)?.setSize({ width: chartWidth(figure), height: CHART_HEIGHT });
      new ResizeObserver(follow).observe(figure);
    }
    const data = chartData(site);
    const aiMwh = sum(data[2]);
    const shown = shownHours(site);
    figure.dataset.aiMwh = aiMwh.toFixed(3);
    const cappedOff = sum(site.aiMw.cappedOff ?? []);
    figure.dataset.runningMw = site.aiMw.running.map((v) => v.toFixed(6)).join(' ');
    figure.dataset.cappedOffMwh = cappedOff.toFixed(6);
    figure.dataset.greenMwh = sum(site.greenMw).toFixed(3);
    figure.dataset.hours = String(site.hours.length);
    figure.dataset.forecastHours = String(site.forecastHours);
    figure.dataset.shownHours = String(shown);
    renderPeakKey(figure, site, shown);
    const forecasts = site.forecastHours > 0 ? `forecasts for the next ${site.forecastHours} h` : 'no forecast yet';
    const planned = `planned AI ${mwh(aiMwh)}, grid ${mwh(sum(site.gridMw))}, green supply ${mwh(sum(site.greenMw))}`;
    const caps = cappedOff > 0 ? ` · running jobs drawn at their capped power (${energy(cappedOff)} less)` : '';
    const caption = `${site.gpus} GPUs · ${planned} over ${site.hours.length} h · ${forecasts}${caps}`;
    $('figcaption', figure).innerHTML = `<b></b> · ${caption}`;
    $('figcaption b', figure).textContent = site.id;
    const chart = charts.get(site.id);
    if (chart) {
      chart.setData(data);
    } else {
      charts.set(site.id, new uPlot(chartOptions(site, chartWidth(figure)), data, $('.chart', figure)));
    }
  }
}

/** The chart's key to its shading: peak; possible peak where the chart has such hours; no forecast. */
function renderPeakKey(figure, site, shown) {
  const possible = site.hours.slice(0, shown).flatMap((_, h) => (possiblePeak(site, h) ? [h] : []));
  figure.dataset.peakHours = String(site.peak.slice(0, shown).filter((flag) => flag).length);
  figure.dataset.possiblePeakHours = possible.join(' ');
  const key = $('.peak-key', figure);
  const entry = (className, label, title) => {
    const el = span(`key ${className}`, label, title);
    el.prepend(span('swatch', ''));
    return el;
  };
  const entries = [entry('peak', 'peak')];
  if (possible.length > 0) {
    const title =
      'the load forecast may be off: at least a 5% chance the hour turns out a peak, though the forecast alone ' +
      'says not; deferrable jobs stay out of it. Point at the hour for its chance';
    entries.push(entry('possible-peak', `possible peak (${possible.length} h)`, title));
  }
  entries.push(entry('no-forecast', 'no forecast'));
  key.replaceChildren(...entries);
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

function timeCell(row, iso, zone, className) {
  return cell(row, iso ? stampElement(Date.parse(iso), zone) : '–', className);
}

function renderJobs(rows) {
  const body = $('#jobs tbody');
  body.replaceChildren();
  for (const job of rows) {
    const zone = siteZones.get(job.site);
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
    const stateCell = cell(tr, state, 'state-cell');
    const cap = capElement(job);
    if (cap) stateCell.append(' ', cap);
    cell(tr, job.site ?? '–', 'site');
    const next = document.createElement('span');
    if (job.next) next.append(`${job.next.action} `, stampElement(Date.parse(job.next.at), zone));
    cell(tr, job.next ? next : '–', 'next');
    timeCell(tr, job.expectedFinish, zone, job.late ? 'finish late' : 'finish');
    const deadlineCell = timeCell(tr, job.deadline, zone, 'deadline');
    const risk = lateRiskElement(job.lateRisk);
    if (risk) deadlineCell.append(risk);
    // A reason from the job's history ("plan 12: …") is older than its next action: no hint there.
    const hints = job.next && !/^plan \d+: /.test(job.reason) ? [Date.parse(job.next.at)] : [];
    cell(tr, reasonText(job.reason, zone, hints), 'reason');
    tr.addEventListener('click', () => showTimeline(job.id));
  }
  text($('#job-count'), `${rows.length} shown, newest first`);
}

/**
 * The plan's chance that the job finishes late (peaks the load forecast may have wrong), under its deadline in the
 * jobs table and in the timeline's heading: "late risk 23%"; nothing where it is 0 (or not known).
 */
function lateRiskElement(raw) {
  // The timeline reads the stored plan unrounded; round as the API does.
  const risk = raw == null ? 0 : Math.round(raw * 1000) / 1000;
  if (risk <= 0) return null;
  const el = document.createElement('span');
  el.className = `late-risk${risk >= lateRiskThreshold ? ' late' : ''}`;
  el.dataset.lateRisk = String(risk);
  el.textContent = `late risk ${risk < 0.005 ? '<1%' : capText(risk)}`;
  el.title =
    risk >= 1
      ? 'the plan finishes it after its deadline'
      : 'chance that hours planned as off-peak turn out peaks (the load forecast may be off) and push its work past ' +
        'the deadline';
  return el;
}
const FINISHED = new Set(['completed', 'failed', 'cancelled']);
/** From this late risk on the job counts as at risk (the server's LATE_RISK_THRESHOLD, sent with the overview). */
let lateRiskThreshold = 0.05;

/**
 * A running job's power cap beside its state: "capped 70%" as the site took it, or "capping to 70%"
 * while the plan's cap for this hour is on its way; nothing at full power.
 */
function capElement(job) {
  const fraction = job.powerFraction ?? job.plannedPowerFraction;
  if (fraction == null || job.state !== 'running') return null;
  const el = document.createElement('span');
  el.className = 'cap';
  el.dataset.powerFraction = String(fraction);
  el.textContent = job.powerFraction != null ? `capped ${capText(fraction)}` : `capping to ${capText(fraction)}`;
  el.title =
    job.powerFraction != null
      ? `GPU power capped to ${capText(fraction)} of full power at ${job.site}`
      : `the plan caps it to ${capText(fraction)} this hour; the site has not confirmed yet`;
  return el;
}

/** A bar of the timeline; a capped one is drawn as tall as its share of full power (`fraction`). */
function bar(track, className, from, to, start, span, label, zone, fraction = 1) {
  const el = document.createElement('div');
  el.className = `bar ${className}${fraction < 1 ? ' capped' : ''}`;
  el.style.left = `${((from - start) / span) * 100}%`;
  el.style.width = `${Math.max(0.3, ((to - from) / span) * 100)}%`;
  const text = fraction < 1 ? `${label} · capped ${capText(fraction)}` : label;
  if (fraction < 1) {
    el.dataset.powerFraction = String(fraction);
    el.style.setProperty('--power', String(fraction));
  }
  el.textContent = text;
  el.title = `${text}: ${stamp(from, zone)} – ${stamp(to, zone)}`;
  track.append(el);
}

/** An actual run segment split where its power cap changed: [from, to, fraction] pieces. */
function powerPieces(segment, endMs) {
  const pieces = [];
  let from = Date.parse(segment.start);
  let fraction = 1;
  for (const step of segment.power ?? []) {
    const at = Date.parse(step.at);
    if (at > from) pieces.push([from, at, fraction]);
    from = Math.max(from, at);
    fraction = step.fraction;
  }
  pieces.push([from, endMs, fraction]);
  return pieces;
}

function marker(track, className, at, start, span, title) {
  if (at < start || at > start + span) return;
  const el = document.createElement('div');
  el.className = `marker ${className}`;
  el.style.left = `${((at - start) / span) * 100}%`;
  el.title = title;
  track.append(el);
}

/**
 * The job's Slurm job beside Westwind's state (a Slurm site's poll stores it on the job): its id, its
 * state in Slurm (held, and why it waits), and when Westwind last saw it change.
 */
function slurmJobElement(slurm, zone) {
  const el = document.createElement('span');
  el.className = 'slurm-job';
  el.dataset.slurmId = String(slurm.id);
  el.dataset.slurmState = slurm.state;
  const why = [slurm.held ? 'held' : '', slurm.reason ?? ''].filter(Boolean).join(', ');
  el.textContent = `Slurm job ${slurm.id}: ${slurm.state}${why ? ` (${why})` : ''}`;
  el.title = `in ${slurm.site}'s queue, as seen ${stamp(Date.parse(slurm.seenAt), zone)}`;
  return el;
}

async function showTimeline(id) {
  selectedJob = id;
  const { job, plan, now } = await getJson(`/dashboard/api/jobs/${encodeURIComponent(id)}`);
  const zone = siteZones.get(job.run?.site ?? plan?.site);
  const nowMs = Date.parse(now);
  const planned = plan?.segments ?? [];
  const actual = job.run?.segments ?? [];
  const instants = [
    Date.parse(job.submittedAt),
    Date.parse(job.deadline),
    nowMs,
    ...planned.flatMap((s) => [Date.parse(s.start), Date.parse(s.end)]),
    ...actual.map((s) => Date.parse(s.start)),
  ];
  const start = Math.min(...instants);
  const span = Math.max(...instants) - start || HOUR_MS;
  const panel = $('#timeline');
  panel.hidden = false;
  panel.dataset.jobId = id;
  const row = (name) =>
    `<div class="gantt-row ${name}"><span class="label">${name}</span><div class="gantt-track"></div></div>`;
  const axis = '<div class="axis"><span></span><span></span></div>';
  panel.innerHTML = `<h3></h3>${row('planned')}${row('actual')}${axis}<p class="note"></p>`;
  $('h3', panel).textContent = `${job.name} — ${job.state}`;
  const capNow = job.state === 'running' ? job.run?.powerFraction : undefined;
  if (capNow != null) $('h3', panel).append(` · capped ${capText(capNow)}`);
  if (job.slurmJob) $('h3', panel).append(' · ', slurmJobElement(job.slurmJob, zone));
  const risk = FINISHED.has(job.state) ? null : lateRiskElement(plan?.lateRisk);
  if (risk) $('h3', panel).append(' · ', risk);
  const plannedTrack = $('.planned .gantt-track', panel);
  const actualTrack = $('.actual .gantt-track', panel);
  for (const s of planned) {
    const fraction = s.powerFraction ?? 1;
    bar(plannedTrack, 'planned', Date.parse(s.start), Date.parse(s.end), start, span, s.site, zone, fraction);
  }
  for (const s of actual) {
    for (const [from, to, fraction] of powerPieces(s, s.end ? Date.parse(s.end) : nowMs)) {
      bar(actualTrack, 'actual', from, to, start, span, s.site, zone, fraction);
    }
  }
  for (const track of [plannedTrack, actualTrack]) {
    marker(track, 'now', nowMs, start, span, `now ${stamp(nowMs, zone)}`);
    const deadline = Date.parse(job.deadline);
    marker(track, 'deadline', deadline, start, span, `deadline ${stamp(deadline, zone)}`);
  }
  const [from, to] = panel.querySelectorAll('.axis span');
  from.replaceChildren(stampElement(start, zone));
  to.replaceChildren(stampElement(start + span, zone));
  const starts = planned.map((s) => Date.parse(s.start));
  const last = job.history.at(-1)?.reason ?? '';
  const reason = plan?.reason ? reasonText(plan.reason, zone, starts) : reasonText(last, zone);
  text($('p.note', panel), reason);
  document.querySelectorAll('#jobs tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.jobId === id));
}

// ---- grid events and the curtailment each delivered ----

const EVENT_STATUS = { upcoming: 'to come', active: 'in force', ended: 'ended', withdrawn: 'withdrawn' };

/** What an event asks, from its intervals: import caps, peak, emergencies, prices, carbon. */
function eventAsks(event) {
  if (!event.intervals) return event.emergency ? [`emergency: ${event.emergency}`] : [];
  const asks = new Set();
  for (const i of event.intervals) {
    if (i.emergency) asks.add(`emergency: ${i.emergency}`);
    if (i.importCapMw != null) asks.add(`import cap ${power(i.importCapMw)}`);
    if (i.peak && !i.emergency) asks.add('peak (SIMPLE level 1)');
    if (i.pricePerMwh != null) asks.add(`price ${i.pricePerMwh}/MWh`);
    if (i.carbonGPerKwh != null) asks.add(`carbon ${i.carbonGPerKwh} g/kWh`);
  }
  return [...asks];
}

/** Baseline against metered, summed over the hours gone, and hour by hour. */
function curtailmentElement(event) {
  const report = event.report;
  const box = document.createElement('div');
  box.className = 'curtailment';
  if (!report) {
    box.textContent = 'no report';
    return box;
  }
  const t = report.totals;
  const share = t.baselineMwh > 0 ? ` (${((t.curtailedMwh / t.baselineMwh) * 100).toFixed(1)}% of the baseline)` : '';
  const summary = document.createElement('p');
  summary.className = 'totals';
  summary.dataset.baselineMwh = String(t.baselineMwh);
  summary.dataset.meteredMwh = String(t.meteredMwh);
  summary.dataset.curtailedMwh = String(t.curtailedMwh);
  summary.dataset.complete = String(t.complete);
  const gone = t.complete ? 'final' : `so far, of ${energy(t.plannedBaselineMwh)} planned over its hours`;
  summary.textContent =
    `baseline ${energy(t.baselineMwh)} · metered ${energy(t.meteredMwh)} · ` +
    `curtailed ${energy(t.curtailedMwh)}${share} · ${gone}`;
  const table = document.createElement('table');
  table.className = 'event-hours';
  table.innerHTML = '<thead><tr><th>Hour</th><th>Baseline</th><th>Metered</th><th>Curtailed</th></tr></thead><tbody>';
  const body = table.tBodies[0] ?? table.createTBody();
  for (const hour of report.hours) {
    const tr = body.insertRow();
    tr.dataset.hour = hour.hour;
    tr.dataset.elapsed = String(hour.elapsed);
    cell(tr, stampElement(Date.parse(hour.hour), event.timeZone), 'hour');
    cell(tr, power(hour.baselineMw), 'baseline');
    cell(tr, hour.meteredMw == null ? 'to come' : power(hour.meteredMw), 'metered');
    const curtailed = hour.curtailedMw == null ? '–' : power(hour.curtailedMw);
    cell(tr, hour.elapsed > 0 && hour.elapsed < 1 ? `${curtailed} (hour under way)` : curtailed, 'curtailed');
  }
  box.append(summary, table);
  return box;
}

function eventElement(event) {
  const el = document.createElement('article');
  el.className = `grid-event ${event.status}`;
  el.dataset.eventId = event.id;
  el.dataset.status = event.status;
  const head = document.createElement('h4');
  const name = span('event-name', event.eventName ?? event.eventId ?? event.id, event.id);
  const hours = span('event-hours', '');
  hours.append(stampElement(Date.parse(event.start), event.timeZone), ' – ');
  hours.append(stampElement(Date.parse(event.end), event.timeZone));
  head.append(
    name,
    ' · ',
    span(`event-status ${event.status}`, EVENT_STATUS[event.status] ?? event.status),
    ' · ',
    hours,
  );
  const asks = document.createElement('p');
  asks.className = 'asks note';
  asks.textContent = [`program ${event.programId}`, `at ${event.sites.join(', ')}`, ...eventAsks(event)].join(' · ');
  el.append(head, asks, curtailmentElement(event));
  return el;
}

function renderGridEvents({ items: events, total }) {
  const root = $('#grid-events');
  const byZone = new Map();
  for (const event of events) {
    if (!byZone.has(event.zone)) byZone.set(event.zone, []);
    byZone.get(event.zone).push(event);
  }
  const blocks = [...byZone].map(([zone, list]) => {
    const block = document.createElement('div');
    block.className = 'event-zone';
    block.dataset.zone = zone;
    const h3 = document.createElement('h3');
    h3.textContent = `Zone ${zone} (${list[0].timeZone})`;
    block.append(h3, ...list.map(eventElement));
    return block;
  });
  root.replaceChildren(...blocks);
  const more = total - events.length;
  text(
    $('#grid-events-note'),
    !events.length
      ? 'no grid event in force, to come or in the last 24 h'
      : more > 0
        ? `${more} more not listed: these ${events.length} are those in force, the soonest to come, the latest over`
        : '',
  );
}

// ---- refresh, on load and on every change ----

let refreshing = null;
let again = false;

async function refresh() {
  if (refreshing) return void (again = true);
  refreshing = (async () => {
    const [overview, jobs, zones, events] = await Promise.all([
      getJson('/dashboard/api/overview'),
      getJson(`/dashboard/api/jobs?${filters()}`),
      getJson('/dashboard/api/zones'),
      getJson('/dashboard/api/events'),
    ]);
    lastNowMs = Date.parse(overview.now);
    for (const site of overview.sites) siteZones.set(site.id, site.timeZone);
    defaultZone = overview.sites[0]?.timeZone ?? 'UTC';
    fillSelect($('#filters select[name=state]'), overview.states);
    fillSelect($('#filters select[name=tenant]'), overview.tenants);
    renderHeadline(overview);
    renderSites(overview);
    renderZones(zones);
    renderJobs(jobs.items);
    renderGridEvents(events);
    const unplaced = `${defaultZone} for a job not placed yet`;
    text($('#time-note'), timeMode === 'utc' ? 'Times in UTC.' : `Times in each job’s site zone (${unplaced}).`);
    if (selectedJob) await showTimeline(selectedJob);
    document.body.dataset.planVersion = String(overview.plan?.version ?? 0);
    document.body.dataset.shownTimeMode = timeMode;
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
    if (again) {
      again = false;
      void refresh();
    }
  }
}

function listen() {
  const live = $('#live');
  const events = new EventSource('/dashboard/events');
  // A change made before the stream was (re)opened sent no event to this page: look again once it is open.
  events.onopen = () => {
    live.className = 'live on';
    live.textContent = 'live';
    void refresh();
  };
  events.onerror = () => ((live.className = 'live off'), (live.textContent = 'reconnecting…'));
  events.addEventListener('change', () => void refresh());
}

$('#filters').addEventListener('change', () => void refresh());
for (const button of document.querySelectorAll('#time-mode button')) {
  button.addEventListener('click', () => setTimeMode(button.dataset.mode));
}
window.addEventListener('DOMContentLoaded', () => {
  setTimeMode(timeMode);
  listen();
});
// A provider's failure changes no plan or job, so nothing on the event stream says so: look again every 30 s.
setInterval(() => void refresh(), PROVIDER_REFRESH_MS);
