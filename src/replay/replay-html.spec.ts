import { DateTime } from 'luxon';
import { parseWestwindConfig } from '../config/westwind-config.js';
import { means, renderReportHtml, strategiesYMax, strategyChart, timeTicks } from './replay-html.js';
import { parseJobsCsv, parseSignalsCsv } from './replay-input.js';
import { runReplay, type ReplayStrategy } from './replay.js';

/** One zone in Berlin (a DST change on 2026-03-29), two sites: the report draws them as one AI load. */
const CONFIG = parseWestwindConfig(
  `
zones: [{ id: de, timeZone: Europe/Berlin, peak: { windows: [{ from: "17:00", to: "20:00" }] } }]
sites:
  - { id: north, zone: de, gpus: 100, kwPerGpu: 10, pue: 1, supply: { renewableShare: 0.001, surplusShare: 0 } }
  - { id: south, zone: de, gpus: 100, kwPerGpu: 10, pue: 1, supply: { renewableShare: 0.001, surplusShare: 0 } }
tenants: [{ id: replay, apiKeys: ["replay-test-key-0001"] }]
`,
  'test',
);
const START = DateTime.fromISO('2026-03-10T00:00:00Z', { zone: 'utc' });
const MONTH = 720;
const STRATEGIES: ReplayStrategy[] = ['fifo', 'peak-pause'];

/** A month: wind at night, 40 jobs of 10–30 hours spread over it, half at each site's size. */
async function monthReplay() {
  const rows = ['zone,start,windMw,solarMw,loadMw'];
  for (let h = 0; h < MONTH; h++) rows.push(`de,${START.plus({ hours: h }).toISO()},${h % 24 < 8 ? 800 : 100},0,500`);
  const jobs = ['id,submitAt,gpus,runtimeHours,deadline'];
  for (let k = 0; k < 40; k++) {
    const submit = START.plus({ hours: 12 + k * 16 });
    jobs.push(`j${k},${submit.toISO()},${k % 2 ? 100 : 50},${10 + (k % 3) * 10},${submit.plus({ hours: 60 }).toISO()}`);
  }
  const signals = parseSignalsCsv(rows.join('\n'), 'signals.csv', CONFIG);
  const parsed = parseJobsCsv(jobs.join('\n'), 'jobs.csv', CONFIG);
  const request = { config: CONFIG, signals, jobs: parsed, strategies: STRATEGIES, forecastError: 0, seed: 1 };
  return runReplay({ ...request, objective: 'green' });
}

describe('the replay report’s charts at a month', () => {
  let result: Awaited<ReturnType<typeof monthReplay>>;
  beforeAll(async () => {
    result = await monthReplay();
  });

  it('draw each strategy as one area of the zone’s AI load against one line of its green supply', () => {
    const zone = result.charts.zones[0];
    const yMax = strategiesYMax(zone, result.charts.start, STRATEGIES);
    for (const strategy of STRATEGIES) {
      const chart = strategyChart(zone, result.charts.start, strategy, yMax);
      expect(chart.series.map((s) => [s.kind, s.name])).toEqual([
        ['area', `AI load (${strategy})`],
        ['line', 'sites’ green supply'],
      ]);
      expect(chart.hoursPerPoint).toBe(1);
      expect(chart.series[0].values).toEqual(zone.aiMw[strategy]);
      // The area is both sites together: 100 GPUs at 10 kW draw 1 MW, so it goes past one site's 1 MW.
      expect(Math.max(...chart.series[0].values)).toBeGreaterThan(1);
      expect(chart.yMax).toBe(yMax);
    }
  });

  it('label the time axis with ISO dates at local midnight, a readable few, in the zone named', () => {
    const zone = result.charts.zones[0];
    const { ticks, timeZone } = strategyChart(zone, result.charts.start, 'fifo', 1);
    expect(timeZone).toBe('Europe/Berlin');
    expect(ticks.length).toBeGreaterThanOrEqual(8);
    expect(ticks.length).toBeLessThanOrEqual(14);
    for (const { hour, label } of ticks) {
      const local = START.plus({ hours: hour }).setZone('Europe/Berlin');
      expect(label).toBe(local.toFormat('yyyy-MM-dd'));
      expect(local.hour).toBe(0);
    }
    // Across the change to summer time, local midnight moves from 23:00 to 22:00 UTC.
    expect(ticks.some(({ hour }) => START.plus({ hours: hour }).hour === 23)).toBe(true);
    expect(ticks.some(({ hour }) => START.plus({ hours: hour }).hour === 22)).toBe(true);
  });

  it('render as SVG: per strategy one area and one line, ticks and the zone’s name on the axis', () => {
    const html = renderReportHtml(result.report, result.charts);
    const zone = result.charts.zones[0];
    const ticks = strategyChart(zone, result.charts.start, 'fifo', 1).ticks.map((t) => t.label);
    for (const strategy of STRATEGIES) {
      const panel = new RegExp(`<div class="panel" data-strategy="${strategy}">(.*?)</div>`, 's').exec(html)?.[1] ?? '';
      expect(panel.match(/<polygon class="area"/g)).toHaveLength(1);
      expect(panel.match(/<polyline class="line"/g)).toHaveLength(1);
      expect(panel.match(/<(polygon|polyline) /g)).toHaveLength(2);
      expect([...panel.matchAll(/<text class="tick"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(ticks);
      expect(panel).toContain('data-time-zone="Europe/Berlin"');
      expect(panel).toMatch(/<text class="axis-zone"[^>]*>Europe\/Berlin</);
    }
    expect(html).toContain('Jobs submitted 2026-03-10 00:00 UTC');
    expect(html).toContain('(times in Europe/Berlin, from 2026-03-10 01:00)');
  });
});

describe('report chart helpers', () => {
  it('average a long series into fewer points and keep its energy', () => {
    const hourly = Array.from({ length: 10 }, (_, h) => h);
    expect(means(hourly, 3)).toEqual([1, 4, 7, 9]);
    // Each mean stands for its hours (the last for one): MW × h adds up to the same MWh.
    expect(1 * 3 + 4 * 3 + 7 * 3 + 9 * 1).toBe(hourly.reduce((a, b) => a + b, 0));
    expect(means(hourly, 1)).toEqual(hourly);
  });

  it('tick a day at hours, with the date at midnight', () => {
    const ticks = timeTicks(DateTime.fromISO('2026-03-02T00:00:00Z', { zone: 'utc' }), 24, 'Asia/Shanghai');
    expect(ticks.map((t) => t.label)).toEqual([
      ...['08:00', '10:00', '12:00', '14:00', '16:00', '18:00', '20:00', '22:00'],
      ...['2026-03-03', '02:00', '04:00', '06:00', '08:00'],
    ]);
    expect(ticks.find((t) => t.label === '2026-03-03')!.hour).toBe(16);
  });
});
