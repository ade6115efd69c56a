import { DateTime } from 'luxon';
import {
  type CappingFigures,
  forecastText,
  type ReplayCharts,
  type ReplayReport,
  type ReplayStrategy,
  type StrategyFigures,
} from './replay.js';

/**
 * report.html: one self-contained file (inline CSS and SVG, no scripts, nothing fetched) that an
 * operator can mail around: the strategies' figures side by side, and per zone the grid's supply
 * against its load, then each strategy's AI load (one area, all the zone's sites together)
 * against its sites' green supply, on a time axis in the zone's own time, labelled.
 */
export function renderReportHtml(report: ReplayReport, charts: ReplayCharts): string {
  const strategies = Object.keys(report.strategies) as ReplayStrategy[];
  const simulated = strategies.filter((s) => s !== 'lp');
  const { input } = report;
  const period = `${utcText(input.from)} – ${utcText(input.to)}`;
  const left = input.jobsExcluded.length;
  const excluded = left ? ` ${left} job(s) left out: deadline after the data.` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Westwind replay ${escape(period)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1280px;padding:0 16px;color:#1d2430}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}h3{font-size:14px;margin:12px 0 4px;color:#4a5568}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border-bottom:1px solid #e2e8f0;text-align:right}
th:first-child,td:first-child{text-align:left}
.muted{color:#64748b}.panel{margin:0 0 6px}
svg{width:100%;height:auto;background:#fbfcfe;border:1px solid #e2e8f0}
.key span{display:inline-block;margin-right:14px}
.key i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
</style></head><body>
<h1>Westwind replay</h1>
<p class="muted">Jobs submitted ${escape(period)} (simulated on to ${escape(utcText(input.dataEnd))}),
${input.jobsReplayed} jobs,
${input.zones.length} zones, ${input.sites.length} sites; objective <b>${escape(input.objective)}</b>,
${escape(forecastText(input))} (seed ${input.seed}),
re-planned hourly over ${input.horizonHours} h.${excluded}</p>
<h2>Strategies</h2>
${figuresTable(report.strategies, strategies)}
<p class="muted">Energy is metered from what each strategy ran, against the actual series:
green = renewable supply the site had in that hour, used first; grid = the rest;
peak grid = grid energy in the zone's peak hours. Delay = finish − submission − runtime.
The LP is a lower bound with perfect forecasts and fractional hours, not a schedule.</p>
${cappingSection(report.capping)}
${charts.zones.map((zone) => zoneSection(zone, charts, simulated)).join('\n')}
</body></html>
`;
}

type Figure = keyof StrategyFigures | ((figures: StrategyFigures) => number | null | undefined);
const ROWS: [Figure, string, number][] = [
  ['totalMwh', 'AI energy, MWh', 2],
  ['greenMwh', 'green, MWh', 2],
  ['gridMwh', 'grid, MWh', 2],
  ['peakGridMwh', 'peak-hour grid, MWh', 2],
  ['greenShare', 'green share', 3],
  ['carbonKg', 'grid carbon, kg', 0],
  ['cost', 'grid cost', 0],
  ['deadlineMisses', 'deadline misses', 0],
  ['pauses', 'pauses', 0],
  ['meanDelayHours', 'mean delay, h', 2],
  ['completed', 'jobs completed', 0],
  ['objective', 'objective', 2],
  ['saving', 'saving (fifo − this)', 2],
  [(f) => f.perfectForecasts?.saving, 'saving with perfect forecasts', 2],
  ['retainedShare', 'share of it kept', 3],
  [(f) => f.perfectForecasts?.deadlineMisses, 'deadline misses with perfect forecasts', 0],
  ['wallMs', 'wall time, ms', 0],
];

function figuresTable(figures: ReplayReport['strategies'], strategies: ReplayStrategy[]): string {
  const names = strategies.map((s) => `<th>${escape(s === 'lp' ? 'lp (bound)' : s)}</th>`);
  const head = `<tr><th></th>${names.join('')}</tr>`;
  const rows = ROWS.map(([key, label, digits]) => {
    const cells = strategies.map((s) => {
      const value = typeof key === 'function' ? key(figures[s]!) : figures[s]![key];
      const digitsShown = { maximumFractionDigits: digits, minimumFractionDigits: digits };
      return `<td>${typeof value === 'number' ? value.toLocaleString('en-US', digitsShown) : '–'}</td>`;
    });
    return `<tr><td>${label}</td>${cells.join('')}</tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

const CAPPING_ROWS: [keyof CappingFigures, string, number][] = [
  ['totalMwh', 'AI energy, MWh', 2],
  ['gridMwh', 'grid, MWh', 2],
  ['peakGridMwh', 'peak-hour grid, MWh', 2],
  ['objective', 'objective', 2],
  ['pauses', 'pauses', 0],
  ['checkpointMwh', 'checkpoint restores, MWh', 3],
  ['deadlineMisses', 'deadline misses', 0],
  ['cappedJobHours', 'job-hours capped', 1],
];

/** westwind with the jobs' power curves beside westwind with none (report.capping); nothing without curves. */
function cappingSection(capping: ReplayReport['capping']): string {
  if (!capping) return '';
  const digitsShown = (digits: number) => ({ maximumFractionDigits: digits, minimumFractionDigits: digits });
  const rows = CAPPING_ROWS.map(
    ([key, label, digits]) =>
      `<tr><td>${label}</td><td>${capping.withCurves[key].toLocaleString('en-US', digitsShown(digits))}</td>` +
      `<td>${capping.withoutCurves[key].toLocaleString('en-US', digitsShown(digits))}</td></tr>`,
  );
  return `<h2>Power capping</h2>
<table><tr><th></th><th>westwind, with curves</th><th>westwind, pause-only</th></tr>${rows.join('')}</table>
<p class="muted">${capping.jobsWithCurves} job(s) declare a power curve. Pause-only is westwind replayed again on the
same forecasts with every curve removed: jobs run at full power or pause.</p>`;
}

const COLORS = { load: '#475569', renewable: '#16a34a', green: '#15803d', ai: '#60a5fa', peak: '#fef3c7' };
/** Charts are this wide in SVG units; the plot area a little less. */
const WIDTH = 1200;
const PAD = { left: 50, right: 8, top: 8, bottom: 34 };
const TEXT = 'font-size="10" fill="#64748b"';
/** At most this many points a series: a month stays hourly, a quarter-year is drawn in 3-hour means. */
const MAX_POINTS = 800;

/** One chart, as drawn: what a test can check without reading SVG. */
export interface ChartModel {
  /** Hours each point stands for (1, or more for a long replay: their mean). */
  hoursPerPoint: number;
  /** Hours the chart spans, from the replay's start. */
  hours: number;
  yMax: number;
  series: { name: string; kind: 'area' | 'line'; color: string; values: number[] }[];
  /** Runs of peak hours, [from, to) in hours from the start. */
  peaks: [number, number][];
  /** Axis ticks, at hours from the start, labelled in the zone's time. */
  ticks: { hour: number; label: string }[];
  /** The zone the ticks are in, named under the axis. */
  timeZone: string;
}

type ZoneCharts = ReplayCharts['zones'][number];

/** The zone's grid: load against wind + solar (+ hydro). */
export function gridChart(zone: ZoneCharts, start: string): ChartModel {
  return chartModel(zone, start, [
    { name: 'grid load', kind: 'line', color: COLORS.load, values: zone.loadMw },
    { name: 'renewable supply', kind: 'line', color: COLORS.renewable, values: zone.renewableMw },
  ]);
}

/**
 * One strategy: its AI load across the zone's sites as one area, the sites' green supply as a line
 * over it. Where the area rises above the line, the AI load ran on the grid. The y scale is shared
 * by all the strategies' charts of the zone (`yMax`), so they compare at a glance.
 */
export function strategyChart(zone: ZoneCharts, start: string, strategy: ReplayStrategy, yMax: number): ChartModel {
  const model = chartModel(zone, start, [
    { name: `AI load (${strategy})`, kind: 'area', color: COLORS.ai, values: zone.aiMw[strategy] ?? [] },
    { name: 'sites’ green supply', kind: 'line', color: COLORS.green, values: zone.siteGreenMw },
  ]);
  return { ...model, yMax };
}

/** The largest AI load or green supply of the zone, any strategy, after averaging: the strategies' shared scale. */
export function strategiesYMax(zone: ZoneCharts, start: string, strategies: ReplayStrategy[]): number {
  return Math.max(1e-9, ...strategies.flatMap((s) => strategyChart(zone, start, s, 0).series.flatMap((x) => x.values)));
}

function chartModel(zone: ZoneCharts, start: string, series: ChartModel['series']): ChartModel {
  const hours = zone.peak.length;
  const hoursPerPoint = Math.max(1, Math.ceil(hours / MAX_POINTS));
  const averaged = series.map((s) => ({ ...s, values: means(s.values, hoursPerPoint) }));
  return {
    hoursPerPoint,
    hours,
    yMax: Math.max(1e-9, ...averaged.flatMap((s) => s.values)),
    series: averaged,
    peaks: runs(zone.peak),
    ticks: timeTicks(DateTime.fromISO(start, { zone: 'utc' }), hours, zone.timeZone),
    timeZone: zone.timeZone,
  };
}

/** Means of consecutive groups of `step` values (the last group may be shorter). */
export function means(values: readonly number[], step: number): number[] {
  if (step === 1) return [...values];
  const out: number[] = [];
  for (let i = 0; i < values.length; i += step) {
    const group = values.slice(i, i + step);
    out.push(group.reduce((a, b) => a + b, 0) / group.length);
  }
  return out;
}

function runs(flags: readonly number[]): [number, number][] {
  const found: [number, number][] = [];
  for (let h = 0; h < flags.length; h++) {
    if (!flags[h] || flags[h - 1]) continue;
    let end = h;
    while (end < flags.length && flags[end]) end++;
    found.push([h, end]);
  }
  return found;
}

/** Tick spacings to choose from, in hours: within a day, then whole days. */
const TICK_STEPS = [1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 672];

/**
 * Ticks at round local times in `timeZone`, at most `maxTicks`: hours ("06:00", with the ISO date
 * at midnight) for a short replay, ISO dates at local midnight ("2019-03-04") for a long one.
 * Local midnights move with daylight saving time; the ticks follow them.
 */
export function timeTicks(start: DateTime, hours: number, timeZone: string, maxTicks = 14): ChartModel['ticks'] {
  const step = TICK_STEPS.find((s) => hours / s <= maxTicks) ?? TICK_STEPS.at(-1)!;
  const ticks: ChartModel['ticks'] = [];
  let midnights = 0;
  for (let h = 0; h <= hours; h++) {
    const local = start.plus({ hours: h }).setZone(timeZone);
    if (local.minute !== 0) continue;
    const midnight = local.hour === 0;
    if (step < 24 ? local.hour % step === 0 : midnight && midnights % (step / 24) === 0) {
      ticks.push({ hour: h, label: local.toFormat(midnight ? 'yyyy-MM-dd' : 'HH:mm') });
    }
    if (midnight) midnights++;
  }
  return ticks;
}

function zoneSection(zone: ZoneCharts, charts: ReplayCharts, strategies: ReplayStrategy[]): string {
  const yMax = strategiesYMax(zone, charts.start, strategies);
  const panels = strategies.map((s) => {
    const chart = svgChart(strategyChart(zone, charts.start, s, yMax), 150);
    return `<div class="panel" data-strategy="${escape(s)}"><h3>${escape(s)}</h3>${chart}</div>`;
  });
  const key = (color: string, label: string) => `<span><i style="background:${color}"></i>${label}</span>`;
  const from = DateTime.fromISO(charts.start, { zone: 'utc' }).setZone(zone.timeZone).toFormat('yyyy-MM-dd HH:mm');
  const grid = gridChart(zone, charts.start);
  const averaged = grid.hoursPerPoint > 1 ? `; curves are ${grid.hoursPerPoint}-hour means` : '';
  const peakKey = key(COLORS.peak, 'peak hours');
  const gridKey = key(COLORS.load, 'grid load') + key(COLORS.renewable, 'wind + solar') + peakKey;
  const aiKey =
    key(COLORS.ai, `AI load of the zone's sites (MW, ${grid.hoursPerPoint > 1 ? 'mean' : 'hourly average'})`) +
    key(COLORS.green, 'their green supply') +
    peakKey;
  const note = `times in ${escape(zone.timeZone)}, from ${escape(from)}${averaged}`;
  return `<h2>Zone ${escape(zone.zone)} <span class="muted">(${note})</span></h2>
<div class="key">${gridKey}</div>
${svgChart(grid, 160)}
<div class="key">${aiKey}</div>
${panels.join('\n')}`;
}

/** The chart as SVG: peak hours shaded, areas then lines, a time axis in the zone's time. */
function svgChart(model: ChartModel, height: number): string {
  const { hours, hoursPerPoint, yMax } = model;
  const bottom = height - PAD.bottom;
  const x = (h: number) => PAD.left + (h / Math.max(1, hours)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => bottom - (v / yMax) * (bottom - PAD.top);
  const f = (n: number) => n.toFixed(1);
  const shading = model.peaks.map(
    ([from, to]) =>
      `<rect x="${f(x(from))}" y="${PAD.top}" width="${f(x(to) - x(from))}" height="${bottom - PAD.top}" ` +
      `fill="${COLORS.peak}"/>`,
  );
  // Each point holds for its hours: steps, not slopes between hour midpoints.
  const steps = (values: number[]) =>
    values
      .map((v, i) => {
        const [from, to] = [x(i * hoursPerPoint), x(Math.min(hours, (i + 1) * hoursPerPoint))];
        return `${f(from)},${f(y(v))} ${f(to)},${f(y(v))}`;
      })
      .join(' ');
  const areas = model.series.filter((s) => s.kind === 'area');
  const lines = model.series.filter((s) => s.kind === 'line');
  const drawn = [
    ...areas.map((s) => {
      const points = `${f(x(0))},${f(y(0))} ${steps(s.values)} ${f(x(hours))},${f(y(0))}`;
      const style = `fill="${s.color}" fill-opacity="0.75"`;
      return `<polygon class="area" data-series="${escape(s.name)}" points="${points}" ${style}/>`;
    }),
    ...lines.map((s) => {
      const style = `fill="none" stroke="${s.color}" stroke-width="1.3"`;
      return `<polyline class="line" data-series="${escape(s.name)}" points="${steps(s.values)}" ${style}/>`;
    }),
  ];
  const ticks = model.ticks.map(
    ({ hour, label }) =>
      `<line x1="${f(x(hour))}" y1="${bottom}" x2="${f(x(hour))}" y2="${bottom + 4}" stroke="#94a3b8"/>` +
      `<text class="tick" x="${f(x(hour))}" y="${bottom + 15}" ${TEXT} text-anchor="middle">${escape(label)}</text>`,
  );
  const zone = escape(model.timeZone);
  const right = `x="${WIDTH - PAD.right}" y="${height - 4}" ${TEXT} text-anchor="end"`;
  const zoneName = `<text class="axis-zone" ${right}>${zone}</text>`;
  const top = `<text x="4" y="${PAD.top + 10}" ${TEXT}>${formatAxis(yMax)} MW</text>`;
  const yLabels = `${top}<text x="4" y="${bottom}" ${TEXT}>0</text>`;
  return `<svg viewBox="0 0 ${WIDTH} ${height}" role="img" data-time-zone="${zone}">${shading.join('')}${drawn.join('')}
<line x1="${PAD.left}" y1="${bottom}" x2="${WIDTH - PAD.right}" y2="${bottom}" stroke="#94a3b8"/>
${yLabels}${ticks.join('')}
${zoneName}</svg>`;
}

function formatAxis(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(2);
}

/** "2019-03-01 00:00 UTC": an instant of the report's input, readable and labelled. */
function utcText(iso: string): string {
  const at = DateTime.fromISO(iso, { zone: 'utc' });
  return at.isValid ? `${at.toFormat('yyyy-MM-dd HH:mm')} UTC` : iso;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
