import { parseWestwindConfig } from '../config/westwind-config.js';
import { sigmaForMape } from '../domain/signals/measured-forecast-error.js';
import { ForecastErrors, ForecastRevisions } from './forecast-error.js';
import { parseSignalsCsv } from './replay-input.js';
import { ReplayForecasts } from './rolling-replay.js';

const HOURS = 900;
const LEAD = 100;
const ZONES = 6;

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
const mape = (xs: number[]) => mean(xs.map(Math.abs));
function correlation(a: number[], b: number[]): number {
  const [ma, mb] = [mean(a), mean(b)];
  const cov = mean(a.map((x, i) => (x - ma) * (b[i] - mb)));
  return cov / Math.sqrt(mean(a.map((x) => (x - ma) ** 2)) * mean(b.map((x) => (x - mb) ** 2)));
}

/** The relative errors at each lead asked, of every zone and of issue hours a few apart. */
function atLeads(errors: ForecastErrors, series: 'windMw' | 'loadMw', leads: number[]): Map<number, number[]> {
  const byLead = new Map(leads.map((lead) => [lead, [] as number[]]));
  for (let zone = 0; zone < ZONES; zone++)
    for (let issue = 0; issue + LEAD <= HOURS; issue += 2) {
      const path = errors.relative(zone, series, issue, Math.max(...leads));
      for (const lead of leads) byLead.get(lead)!.push(path[lead - 1]);
    }
  return byLead;
}

/** Wind forecasts 10% off at 24 h and biased 5% low; load 5% off. */
const MODEL = { level: 0.1, bias: -0.05, loadLevel: 0.05 };
const model = (revisions: ForecastRevisions, seed = 7) =>
  new ForecastErrors({ ...MODEL, revisions }, seed, HOURS, LEAD);

describe.each<ForecastRevisions>(['evolving', 'redrawn'])('forecast errors (%s)', (revisions) => {
  const errors = model(revisions);
  let wind: Map<number, number[]>;
  let load: Map<number, number[]>;
  beforeAll(() => {
    wind = atLeads(errors, 'windMw', [1, 6, 24, 96]);
    load = atLeads(errors, 'loadMw', [24]);
  });
  /** Mean absolute error at the lead, the bias taken out. */
  const windMape = (lead: number) => mape(wind.get(lead)!.map((e) => e - MODEL.bias));

  it('are named by their mean absolute error at 24 h lead, and grow with lead as √(lead / 24)', () => {
    expect(windMape(24)).toBeGreaterThan(0.09);
    expect(windMape(24)).toBeLessThan(0.11);
    expect(windMape(1)).toBeLessThan(windMape(6));
    expect(windMape(6)).toBeLessThan(windMape(24));
    expect(windMape(24)).toBeLessThan(windMape(96));
    expect(windMape(6) / windMape(24)).toBeGreaterThan(0.44);
    expect(windMape(6) / windMape(24)).toBeLessThan(0.56);
    expect(windMape(96) / windMape(24)).toBeGreaterThan(1.8);
    expect(windMape(96) / windMape(24)).toBeLessThan(2.2);
    expect(windMape(1)).toBeLessThan(0.03); // 0.1 × √(1/24) ≈ 0.02
  });

  it('carry the bias on the renewables only, where it shows in the mean', () => {
    // The errors of nearby hours are alike, so a few hundred hours hold only tens of independent draws: a wide margin.
    expect(mean(wind.get(24)!)).toBeGreaterThan(-0.07);
    expect(mean(wind.get(24)!)).toBeLessThan(-0.03);
    expect(Math.abs(mean(load.get(24)!))).toBeLessThan(0.015);
  });

  it('give the load its own level', () => {
    expect(mape(load.get(24)!)).toBeGreaterThan(0.044);
    expect(mape(load.get(24)!)).toBeLessThan(0.056);
  });

  it('are wrong for stretches: neighbouring hours of one forecast err alike', () => {
    const first: number[] = [];
    const next: number[] = [];
    const apart: number[] = [];
    for (let issue = 0; issue + LEAD <= HOURS; issue += 3) {
      const path = errors.relative(1, 'windMw', issue, LEAD);
      first.push(path[48]);
      next.push(path[49]);
      apart.push(path[96]);
    }
    expect(correlation(first, next)).toBeGreaterThan(0.8);
    expect(Math.abs(correlation(first, apart))).toBeLessThan(0.4);
  });

  it('come from the seed: the same seed draws the same forecasts, another seed others', () => {
    const again = model(revisions);
    const other = model(revisions, 8);
    for (const issue of [0, 17, 700]) {
      const drawn = Array.from(errors.relative(2, 'windMw', issue, LEAD));
      expect(Array.from(again.relative(2, 'windMw', issue, LEAD))).toEqual(drawn);
      expect(Array.from(other.relative(2, 'windMw', issue, LEAD))).not.toEqual(drawn);
    }
    // Zones and series draw apart.
    const some = Array.from(errors.relative(0, 'windMw', 5, 24));
    expect(Array.from(errors.relative(1, 'windMw', 5, 24))).not.toEqual(some);
    expect(Array.from(errors.relative(0, 'loadMw', 5, 24))).not.toEqual(some);
  });

  it('with level 0 and no bias are 0 everywhere', () => {
    const none = new ForecastErrors({ level: 0, bias: 0, revisions }, 7, HOURS, LEAD);
    expect(Array.from(none.relative(0, 'windMw', 10, LEAD)).every((e) => e === 0)).toBe(true);
  });
});

describe('forecast revisions', () => {
  /** Root mean square of (forecast issued an hour later − forecast issued now) for one target hour, 24 h ahead. */
  function revision(revisions: ForecastRevisions): number {
    const errors = model(revisions);
    const changes: number[] = [];
    for (let issue = 0; issue + LEAD + 1 <= HOURS; issue += 2)
      changes.push(errors.relative(0, 'windMw', issue + 1, 24)[22] - errors.relative(0, 'windMw', issue, 24)[23]);
    return Math.sqrt(mean(changes.map((c) => c ** 2)));
  }

  it('evolving: the forecast an hour later revises the last by one hour’s shock, σ₂₄ / √24', () => {
    const shock = sigmaForMape(0.1) / Math.sqrt(24);
    expect(revision('evolving')).toBeGreaterThan(0.85 * shock);
    expect(revision('evolving')).toBeLessThan(1.15 * shock);
  });

  it('redrawn: each issue is independent of the last, so the change is as large as the errors', () => {
    expect(revision('redrawn')).toBeGreaterThan(sigmaForMape(0.1));
  });

  it('evolving: as its hour nears, a target’s error walks towards 0 in small steps, not fresh draws', () => {
    const errors = model('evolving');
    const target = 500;
    const byLead = Array.from({ length: 48 }, (_, k) => errors.relative(3, 'windMw', target - k, LEAD)[k] - MODEL.bias);
    const steps = byLead.slice(1).map((e, k) => Math.abs(e - byLead[k]));
    expect(Math.max(...steps)).toBeLessThan(4 * (sigmaForMape(0.1) / Math.sqrt(24)));
  });
});

describe('the replay’s forecasts with the error model', () => {
  const CONFIG = parseWestwindConfig(
    `
zones: [{ id: west, timeZone: UTC, peak: { windows: [{ from: "17:00", to: "20:00" }] } }]
sites: [{ id: hub, zone: west, gpus: 100, kwPerGpu: 10, pue: 1, supply: { renewableShare: 0.0001, surplusShare: 0 } }]
tenants: [{ id: replay, apiKeys: ["replay-test-key-0001"] }]
`,
    'test',
  );
  const rows = ['zone,start,windMw,solarMw,loadMw'];
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let h = 0; h < 600; h++)
    rows.push(`west,${new Date(start + h * 3_600_000).toISOString()},${1000 + 500 * Math.sin(h / 7)},0,4000`);
  const signals = parseSignalsCsv(rows.join('\n'), 'signals.csv', CONFIG);
  const world = { config: CONFIG, signals };

  it('with no error and no bias are the actual series exactly', () => {
    const perfect = new ReplayForecasts(world, { level: 0, bias: 0 }, 7);
    for (const hour of [0, 100, 500])
      expect(perfect.siteSignals(hour, 168)).toEqual(perfect.siteSignals(hour, 168, true));
  });

  it('forecast actual × (1 + error): the bias shows in the green supply, the actual series stays as it came', () => {
    const forecasts = new ReplayForecasts(world, { level: 0.1, bias: -0.05 }, 7);
    const ratios: number[] = [];
    for (let hour = 0; hour + 168 <= 600; hour += 4) {
      const seen = forecasts.siteSignals(hour, 168).get('hub')!.greenMw;
      const actual = forecasts.siteSignals(hour, 168, true).get('hub')!.greenMw;
      ratios.push(seen[23] / actual[23]);
      expect(actual[0]).toBeCloseTo(0.0001 * (1000 + 500 * Math.sin(hour / 7)), 9);
    }
    expect(mean(ratios)).toBeCloseTo(0.95, 2);
    expect(mape(ratios.map((r) => r - 0.95))).toBeCloseTo(0.1, 1);
  });

  it('are the same for the same seed, and others for another', () => {
    const one = new ReplayForecasts(world, { level: 0.2, bias: 0 }, 3).siteSignals(40, 168);
    const again = new ReplayForecasts(world, { level: 0.2, bias: 0 }, 3).siteSignals(40, 168);
    const other = new ReplayForecasts(world, { level: 0.2, bias: 0 }, 4).siteSignals(40, 168);
    expect(again).toEqual(one);
    expect(other.get('hub')!.greenMw).not.toEqual(one.get('hub')!.greenMw);
  });

  it('tell the planner the load error: a load-derived peak then covers every hour that may well be one', () => {
    const loadPeaks = parseWestwindConfig(
      `
zones: [{ id: west, timeZone: UTC, peak: { loadWithin: 0.1 } }]
sites: [{ id: hub, zone: west, gpus: 100, kwPerGpu: 10, pue: 1, supply: { renewableShare: 0.0001, surplusShare: 0 } }]
tenants: [{ id: replay, apiKeys: ["replay-test-key-0001"] }]
`,
      'test',
    );
    // A load that peaks at 18:00 each day, with shoulders just below the 10% line.
    const daily = ['zone,start,windMw,solarMw,loadMw'];
    const loadMw = (h: number) => (h % 24 === 18 ? 5000 : h % 24 >= 15 ? 4400 : 3000);
    for (let h = 0; h < 600; h++)
      daily.push(`west,${new Date(start + h * 3_600_000).toISOString()},1000,0,${loadMw(h)}`);
    const loadWorld = { config: loadPeaks, signals: parseSignalsCsv(daily.join('\n'), 'signals.csv', loadPeaks) };
    const count = (peak: Uint8Array) => peak.reduce((n, p) => n + p, 0);
    const told = new ReplayForecasts(loadWorld, { level: 0.1, bias: 0 }, 5).siteSignals(100, 48).get('hub')!;
    const notTold = new ReplayForecasts(loadWorld, { level: 0.1, bias: 0 }, 5, 168, undefined, false)
      .siteSignals(100, 48)
      .get('hub')!;
    expect(told.peakChance).toBeDefined();
    expect(notTold.peakChance).toBeUndefined();
    expect(count(told.peak)).toBeGreaterThan(count(notTold.peak));
    // The actual series is judged as it came: no chances there.
    expect(
      new ReplayForecasts(loadWorld, { level: 0.1, bias: 0 }, 5).siteSignals(100, 48, true).get('hub')!.peakChance,
    ).toBeUndefined();
  });
});
