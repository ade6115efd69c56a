import type { ReplayCharts, ReplayReport, ReplayStrategy, StrategyFigures } from './replay.js';

/**
 * report.html: one self-contained file (inline CSS and SVG, no scripts, nothing fetched) that an
 * operator can mail around: the strategies' figures side by side, and per zone the grid's supply
 * against its load, then each strategy's AI load against its sites' green supply.
 */
export function renderReportHtml(report: ReplayReport, charts: ReplayCharts): string {
  const strategies = Object.keys(report.strategies) as ReplayStrategy[];
  const simulated = strategies.filter((s) => s !== 'lp');
  const { input } = report;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Westwind replay ${escape(input.from)} – ${escape(input.to)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1280px;padding:0 16px;color:#1d2430}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}h3{font-size:14px;margin:12px 0 4px;color:#4a5568}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border-bottom:1px solid #e2e8f0;text-align:right}th:first-child,td:first-child{text-align:left}
.muted{color:#64748b}.row{display:flex;gap:12px;flex-wrap:wrap}.panel{flex:1 1 300px}
svg{width:100%;height:auto;background:#fbfcfe;border:1px solid #e2e8f0}
.key span{display:inline-block;margin-right:14px}.key i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
</style></head><body>
<h1>Westwind replay</h1>
<p class="muted">Jobs submitted ${escape(input.from)} – ${escape(input.to)} (simulated on to ${escape(input.dataEnd)}), ${input.jobsReplayed} jobs,
${input.zones.length} zones, ${input.sites.length} sites; objective <b>${escape(input.objective)}</b>, forecast error ${input.forecastError} × each series' mean (seed ${input.seed}),
re-planned hourly over ${input.horizonHours} h.${input.jobsExcluded.length ? ` ${input.jobsExcluded.length} job(s) left out: deadline after the data.` : ''}</p>
<h2>Strategies</h2>
${figuresTable(report.strategies, strategies)}
<p class="muted">Energy is metered from what each strategy ran, against the actual series: green = renewable supply the site had in that hour, used first; grid = the rest;
peak grid = grid energy in the zone's peak hours. Delay = finish − submission − runtime. The LP is a lower bound with perfect forecasts and fractional hours, not a schedule.</p>
${charts.zones.map((zone) => zoneSection(zone, charts, simulated)).join('\n')}
</body></html>
`;
}

const ROWS: [keyof StrategyFigures, string, number][] = [
  ['totalMwh', 'AI energy, MWh', 2], ['greenMwh', 'green, MWh', 2], ['gridMwh', 'grid, MWh', 2], ['peakGridMwh', 'peak-hour grid, MWh', 2],
  ['greenShare', 'green share', 3], ['carbonKg', 'grid carbon, kg', 0], ['cost', 'grid cost', 0], ['deadlineMisses', 'deadline misses', 0],
  ['pauses', 'pauses', 0], ['meanDelayHours', 'mean delay, h', 2], ['completed', 'jobs completed', 0], ['wallMs', 'wall time, ms', 0],
];

function figuresTable(figures: ReplayReport['strategies'], strategies: ReplayStrategy[]): string {
  const head = `<tr><th></th>${strategies.map((s) => `<th>${escape(s === 'lp' ? 'lp (bound)' : s)}</th>`).join('')}</tr>`;
  const rows = ROWS.map(([key, label, digits]) => {
    const cells = strategies.map((s) => {
      const value = figures[s]![key];
      return `<td>${typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–'}</td>`;
    });
    return `<tr><td>${label}</td>${cells.join('')}</tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

const COLORS = { load: '#475569', renewable: '#16a34a', green: '#86efac', ai: '#2563eb', peak: '#fde68a' };

function zoneSection(zone: ReplayCharts['zones'][number], charts: ReplayCharts, strategies: ReplayStrategy[]): string {
  const aiMax = Math.max(1e-9, ...zone.siteGreenMw, ...strategies.flatMap((s) => zone.aiMw[s] ?? []));
  const panels = strategies.map(
    (s) => `<div class="panel"><h3>${escape(s)}</h3>${svgChart(zone.peak, aiMax, [
      { values: zone.siteGreenMw, color: COLORS.green, area: true },
      { values: zone.aiMw[s] ?? [], color: COLORS.ai },
    ])}</div>`,
  );
  return `<h2>Zone ${escape(zone.zone)} <span class="muted">(${escape(zone.timeZone)}, hours from ${escape(charts.start)})</span></h2>
<div class="key"><span><i style="background:${COLORS.load}"></i>grid load</span><span><i style="background:${COLORS.renewable}"></i>wind + solar</span><span><i style="background:${COLORS.peak}"></i>peak hours</span></div>
${svgChart(zone.peak, Math.max(1e-9, ...zone.loadMw, ...zone.renewableMw), [{ values: zone.loadMw, color: COLORS.load }, { values: zone.renewableMw, color: COLORS.renewable }], 1200, 160, 'MW')}
<div class="key"><span><i style="background:${COLORS.green}"></i>sites' green supply</span><span><i style="background:${COLORS.ai}"></i>AI load (MW, hourly average)</span></div>
<div class="row">${panels.join('')}</div>`;
}

/** A line chart over the hours, peak hours shaded; y from 0 to `yMax`. */
function svgChart(peak: number[], yMax: number, series: { values: number[]; color: string; area?: boolean }[], width = 400, height = 140, unit = 'MW'): string {
  const hours = peak.length;
  const pad = { left: 44, right: 6, top: 8, bottom: 16 };
  const x = (h: number) => pad.left + (h / Math.max(1, hours)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / yMax) * (height - pad.top - pad.bottom);
  const shading: string[] = [];
  for (let h = 0; h < hours; h++) {
    if (!peak[h] || peak[h - 1]) continue;
    let end = h;
    while (end < hours && peak[end]) end++;
    shading.push(`<rect x="${x(h).toFixed(1)}" y="${pad.top}" width="${(x(end) - x(h)).toFixed(1)}" height="${height - pad.top - pad.bottom}" fill="${COLORS.peak}"/>`);
  }
  const paths = series.map(({ values, color, area }) => {
    const points = values.map((v, h) => `${x(h + 0.5).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    return area
      ? `<polygon points="${x(0.5).toFixed(1)},${y(0)} ${points} ${x(values.length - 0.5).toFixed(1)},${y(0)}" fill="${color}" stroke="none"/>`
      : `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="1.2"/>`;
  });
  const days = Array.from({ length: Math.floor(hours / 24) + 1 }, (_, d) => d * 24).filter((h) => h <= hours);
  const step = Math.max(1, Math.ceil(days.length / 10));
  const ticks = days.filter((_, i) => i % step === 0).map((h) => `<text x="${x(h).toFixed(1)}" y="${height - 3}" font-size="10" fill="#64748b">d${h / 24}</text>`);
  return `<svg viewBox="0 0 ${width} ${height}" role="img">${shading.join('')}${paths.join('')}
<line x1="${pad.left}" y1="${y(0)}" x2="${width - pad.right}" y2="${y(0)}" stroke="#94a3b8"/>
<text x="2" y="${pad.top + 10}" font-size="10" fill="#64748b">${formatAxis(yMax)} ${unit}</text><text x="2" y="${y(0)}" font-size="10" fill="#64748b">0</text>${ticks.join('')}</svg>`;
}

function formatAxis(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(2);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
