import fc from 'fast-check';
import { SiteHours } from './site-hours.js';
import type { Objective, PlanSite, SiteSignals } from './plan-types.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

const PEAK_WEIGHT = 10;

function site(id: string, signals: Partial<SiteSignals>, gpus = 100): PlanSite {
  const hours = signals.greenMw?.length ?? 4;
  return {
    id,
    timeZone: 'UTC',
    gpus,
    kwPerGpu: 1,
    pue: 1,
    signals: { greenMw: new Array<number>(hours).fill(0), peak: new Array<number>(hours).fill(0), ...signals },
  };
}

/** One site, `hours` long, under the green objective with the default peak weight. */
const oneSite = (signals: Partial<SiteSignals>, gpus = 100) =>
  new SiteHours([site('west', signals, gpus)], signals.greenMw?.length ?? 4, 'green', PEAK_WEIGHT);

describe('site hours: the price of adding load', () => {
  it('charges only the grid energy beyond the renewable supply', () => {
    const hours = oneSite({ greenMw: [0.05, 0, 0, 0] });
    expect(hours.marginalCost(0, 10, 0.03, 0.03)).toBe(0); // 0.03 of 0.05 MW green
    hours.reserve(0, 10, 0.03, 0.03);
    expect(hours.marginalCost(0, 10, 0.03, 0.03)).toBeCloseTo(0.01, 12); // 0.02 green left, 0.01 from the grid
    hours.reserve(0, 10, 0.03, 0.03);
    expect(hours.marginalCost(0, 10, 0.03, 0.03)).toBeCloseTo(0.03, 12); // the green is used up
    expect(hours.marginalCost(1, 10, 0.03, 0.03)).toBeCloseTo(0.03, 12); // no green in hour 1
  });

  it('charges the energy used, not the full hour, for a job working part of it', () => {
    const hours = oneSite({ greenMw: [0.01, 0, 0, 0] });
    expect(hours.marginalCost(1, 10, 0.03, 0.015)).toBeCloseTo(0.015, 12); // half an hour at 0.03 MW
    expect(hours.marginalCost(0, 10, 0.03, 0.015)).toBeCloseTo(0.005, 12);
  });

  it('counts grid energy in a peak hour peakWeight times; checkpoint energy is charged without it', () => {
    const hours = oneSite({ greenMw: [0, 0, 0, 0], peak: [0, 1, 0, 0] });
    expect(hours.marginalCost(0, 10, 0.01, 0.01)).toBeCloseTo(0.01, 12);
    expect(hours.marginalCost(1, 10, 0.01, 0.01)).toBeCloseTo(0.01 * PEAK_WEIGHT, 12);
    expect([...hours.gridWeight]).toEqual([1, PEAK_WEIGHT, 1, 1]);
    expect([...hours.energyWeight]).toEqual([1, 1, 1, 1]);
  });

  it('weighs grid energy by carbon intensity or price under those objectives, peak weight on top', () => {
    const signals = { peak: [0, 1], greenMw: [0, 0], carbonGPerKwh: [300, 500], pricePerMwh: [40, 90] };
    const by = (objective: Objective) => new SiteHours([site('west', signals)], 2, objective, PEAK_WEIGHT);
    expect([...by('carbon').gridWeight]).toEqual([300, 500 * PEAK_WEIGHT]);
    expect([...by('carbon').energyWeight]).toEqual([300, 500]);
    expect([...by('cost').gridWeight]).toEqual([40, 90 * PEAK_WEIGHT]);
    expect(by('cost').marginalCost(1, 10, 0.01, 0.01)).toBeCloseTo(0.01 * 90 * PEAK_WEIGHT, 9);
  });

  it('counts no renewable supply past the forecasts', () => {
    const hours = oneSite({ greenMw: [1, 1, 1, 1], forecastHours: 2 });
    expect([...hours.greenMw]).toEqual([1, 1, 0, 0]);
    expect(hours.marginalCost(1, 10, 0.01, 0.01)).toBe(0);
    expect(hours.marginalCost(2, 10, 0.01, 0.01)).toBeCloseTo(0.01, 12);
  });
});

describe('site hours: what fits', () => {
  it('refuses an hour without enough free GPUs', () => {
    const hours = oneSite({}, 20);
    expect(hours.fits(0, 20, 0.02)).toBe(true);
    hours.reserve(0, 15, 0.015, 0.015);
    expect(hours.fits(0, 5, 0.005)).toBe(true);
    expect(hours.fits(0, 6, 0.006)).toBe(false);
    expect(hours.marginalCost(0, 6, 0.006, 0.006)).toBe(Infinity);
    expect(hours.fits(1, 20, 0.02)).toBe(true); // other hours keep their GPUs
  });

  it('refuses load whose full power would import more than the cap beyond the renewable supply', () => {
    // Cap 0.02 MW with 0.01 MW green: up to 0.03 MW of jobs may draw at once.
    const hours = oneSite({ greenMw: [0.01, 0.01], importCapMw: [0.02, Infinity] });
    expect(hours.fits(0, 30, 0.03)).toBe(true);
    expect(hours.fits(0, 31, 0.031)).toBe(false);
    expect(hours.marginalCost(0, 31, 0.031, 0.031)).toBe(Infinity);
    expect(hours.fits(1, 100, 0.1)).toBe(true); // no cap in hour 1
  });

  it('caps the power drawn at once, not the hour’s average: a job working part of an hour holds full power', () => {
    const hours = oneSite({ greenMw: [0.01], importCapMw: [0.02] });
    hours.reserve(0, 30, 0.03, 0.003);
    expect(hours.loadMw[0]).toBeCloseTo(0.003, 12);
    expect(hours.fits(0, 1, 0.001)).toBe(false); // 0.031 MW would draw at once
  });
});

describe('site hours: holding and releasing', () => {
  it('holds GPUs, power and energy in one site-hour only, and a release returns it to empty exactly', () => {
    const hours = new SiteHours([site('east', {}), site('west', {})], 4, 'green', PEAK_WEIGHT);
    const i = 1 * 4 + 2; // west, hour 2
    hours.reserve(i, 10, 0.03, 0.015);
    expect(hours.gpusFree[i]).toBe(90);
    expect(hours.drawMw[i]).toBe(0.03);
    expect(hours.loadMw[i]).toBe(0.015);
    expect([...hours.gpusFree].filter((g) => g !== 100)).toEqual([90]);
    hours.reserve(i, -10, -0.03, -0.015);
    expect([...hours.gpusFree]).toEqual(new Array<number>(8).fill(100));
    expect([...hours.drawMw]).toEqual(new Array<number>(8).fill(0));
    expect([...hours.loadMw]).toEqual(new Array<number>(8).fill(0));
  });

  it('a reservation and its release leave what was planned before: GPUs exactly, power to rounding', () => {
    // Floating-point addition does not undo exactly on top of other load ((0.1 + 0.2) − 0.2 ≠ 0.1):
    // power and energy come back to within 1e-12 MW, GPUs (integers) exactly.
    const reservation = fc.record({
      site: fc.integer({ min: 0, max: 1 }),
      hour: fc.integer({ min: 0, max: 5 }),
      gpus: fc.integer({ min: 1, max: 30 }),
      mw: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
      share: fc.double({ min: 0, max: 1, noNaN: true }), // of the hour worked
    });
    fc.assert(
      fc.property(fc.array(reservation, { maxLength: 20 }), reservation, (planned, added) => {
        const hours = new SiteHours([site('east', {}, 1000), site('west', {}, 1000)], 6, 'green', PEAK_WEIGHT);
        const hold = (r: typeof added, sign: number) =>
          hours.reserve(r.site * 6 + r.hour, sign * r.gpus, sign * r.mw, sign * r.mw * r.share);
        planned.forEach((r) => hold(r, 1));
        const before = { gpus: [...hours.gpusFree], draw: [...hours.drawMw], load: [...hours.loadMw] };
        hold(added, 1);
        hold(added, -1);
        const drift = (now: Float64Array, then: number[]) => Math.max(...now.map((mw, i) => Math.abs(mw - then[i])));
        expect([...hours.gpusFree]).toEqual(before.gpus);
        expect(drift(hours.drawMw, before.draw)).toBeLessThan(1e-12);
        expect(drift(hours.loadMw, before.load)).toBeLessThan(1e-12);
        planned.forEach((r) => hold(r, -1));
        expect([...hours.gpusFree]).toEqual(new Array<number>(12).fill(1000));
        expect(drift(hours.loadMw, new Array<number>(12).fill(0))).toBeLessThan(1e-12);
      }),
      propertyParameters(201, 200),
    );
  });
});

describe('site hours: metering', () => {
  it('totals energy by source and the objective over every site-hour, by hand', () => {
    const east = site('east', { greenMw: [0.02, 0], peak: [0, 1], carbonGPerKwh: [100, 400], pricePerMwh: [20, 80] });
    const west = site('west', { greenMw: [0, 0.05], peak: [0, 0] });
    const hours = new SiteHours([east, west], 2, 'green', PEAK_WEIGHT);
    hours.reserve(0, 10, 0.03, 0.03); // east 0: 0.02 green + 0.01 grid
    hours.reserve(1, 10, 0.03, 0.03); // east 1, peak: 0.03 grid
    hours.reserve(3, 10, 0.03, 0.03); // west 1: all green
    const totals = hours.meter();
    expect(totals.energyMwh).toBeCloseTo(0.09, 12);
    expect(totals.gridMwh).toBeCloseTo(0.04, 12);
    expect(totals.greenMwh).toBeCloseTo(0.05, 12);
    expect(totals.peakGridMwh).toBeCloseTo(0.03, 12);
    expect(totals.carbonKg).toBeCloseTo(0.01 * 100 + 0.03 * 400, 9);
    expect(totals.cost).toBeCloseTo(0.01 * 20 + 0.03 * 80, 9);
    expect(totals.objective).toBeCloseTo(0.01 + 0.03 * PEAK_WEIGHT, 12);
    expect(hours.gridMw(0)).toBeCloseTo(0.01, 12);
    expect(hours.gridMw(2)).toBe(0); // west 0: no load
  });

  it('meters any load: energy = green + grid and objective = Σ weight × grid, under every objective', () => {
    const siteArb = fc.record({
      greenMw: fc.array(fc.double({ min: 0, max: 0.05, noNaN: true }), { minLength: 6, maxLength: 6 }),
      peak: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 6, maxLength: 6 }),
      carbonGPerKwh: fc.array(fc.double({ min: 0, max: 900, noNaN: true }), { minLength: 6, maxLength: 6 }),
      pricePerMwh: fc.array(fc.double({ min: -50, max: 300, noNaN: true }), { minLength: 6, maxLength: 6 }),
    });
    const load = fc.record({
      i: fc.integer({ min: 0, max: 11 }),
      mw: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(siteArb, { minLength: 2, maxLength: 2 }),
        fc.array(load, { maxLength: 20 }),
        fc.constantFrom<Objective>('green', 'carbon', 'cost'),
        fc.double({ min: 1, max: 20, noNaN: true }),
        (signals, loads, objective, peakWeight) => {
          const sites = [site('a', signals[0], 1000), site('b', signals[1], 1000)];
          const hours = new SiteHours(sites, 6, objective, peakWeight);
          loads.forEach((l) => hours.reserve(l.i, 1, l.mw, l.mw));
          // The same totals computed from the inputs, site-hour by site-hour.
          const expected = { energy: 0, green: 0, grid: 0, peakGrid: 0, carbon: 0, cost: 0, objective: 0 };
          for (let i = 0; i < 12; i++) {
            const s = signals[Math.floor(i / 6)];
            const h = i % 6;
            const mw = loads.filter((l) => l.i === i).reduce((total, l) => total + l.mw, 0);
            const grid = Math.max(0, mw - s.greenMw[h]);
            const base = { green: 1, carbon: s.carbonGPerKwh[h], cost: s.pricePerMwh[h] }[objective];
            expected.energy += mw;
            expected.green += Math.min(mw, s.greenMw[h]);
            expected.grid += grid;
            expected.peakGrid += s.peak[h] ? grid : 0;
            expected.carbon += grid * s.carbonGPerKwh[h];
            expected.cost += grid * s.pricePerMwh[h];
            expected.objective += grid * base * (s.peak[h] ? peakWeight : 1);
          }
          const totals = hours.meter();
          expect(totals.energyMwh).toBeCloseTo(expected.energy, 9);
          expect(totals.greenMwh).toBeCloseTo(expected.green, 9);
          expect(totals.gridMwh).toBeCloseTo(expected.grid, 9);
          expect(totals.greenMwh + totals.gridMwh).toBeCloseTo(totals.energyMwh, 12);
          expect(totals.peakGridMwh).toBeCloseTo(expected.peakGrid, 9);
          expect(totals.carbonKg).toBeCloseTo(expected.carbon, 6);
          expect(totals.cost).toBeCloseTo(expected.cost, 6);
          expect(totals.objective).toBeCloseTo(expected.objective, 6);
        },
      ),
      propertyParameters(202, 200),
    );
  });

  it('reports each site-hour’s load for the plan: GPUs in use, the green part and the grid part', () => {
    const hours = oneSite({ greenMw: [0.02, 0.02] }, 50);
    hours.reserve(0, 10, 0.03, 0.015); // half an hour at 0.03 MW: 0.015 MWh, within the green
    hours.reserve(1, 40, 0.04, 0.04);
    const [first, second] = hours.loadBySite(() => 50).west;
    expect(first).toEqual({ gpus: 10, mw: 0.015, drawMw: 0.03, greenMw: 0.015, gridMw: 0 });
    expect(second).toEqual({ gpus: 40, mw: 0.04, drawMw: 0.04, greenMw: 0.02, gridMw: 0.02 });
  });
});

describe('site hours: tries taken back exactly', () => {
  const snapshot = (hours: SiteHours) => ({
    gpusFree: [...hours.gpusFree],
    loadMw: [...hours.loadMw],
    drawMw: [...hours.drawMw],
  });
  /** Random reserves (site-hour, GPUs, MW; energy a share of the power) on four site-hours. */
  const reserves = fc.array(
    fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 8 }),
      fc.double({ min: 1e-4, max: 0.7, noNaN: true }),
    ),
    { minLength: 1, maxLength: 12 },
  );

  it('undoTo puts every site-hour back to the last bit, where releasing the same load would leave rounding', () => {
    const hours = oneSite({ greenMw: [0.1, 0.2, 0, 0.3] });
    hours.reserve(0, 3, 0.1, 0.1);
    hours.reserve(1, 2, 0.2, 0.2);
    const before = snapshot(hours);
    const mark = hours.mark();
    hours.reserve(0, 1, 0.7, 0.7);
    hours.reserve(0, -1, -0.7, -0.7);
    // 0.1 + 0.7 − 0.7 is not 0.1 in floating point: the reason for the journal.
    expect(hours.loadMw[0]).not.toBe(before.loadMw[0]);
    hours.undoTo(mark);
    expect(snapshot(hours)).toEqual(before);
  });

  it('for any tries, nested or not: undone ones leave no trace, kept ones stay; the grid change is what it was', () => {
    fc.assert(
      fc.property(reserves, reserves, reserves, fc.boolean(), (first, inner, after, keepInner) => {
        const hours = oneSite({ greenMw: [0.05, 0.3, 0, 0.2] }, 1000);
        const apply = (list: [number, number, number][]) =>
          list.forEach(([i, gpus, mw]) => hours.reserve(i, gpus, mw, mw * 0.75));
        const weightedGrid = () => hours.meter().objective;
        apply(first);
        const atOuter = snapshot(hours);
        const objectiveAtOuter = weightedGrid();
        const outer = hours.mark();
        apply(after);
        const innerMark = hours.mark();
        apply(inner);
        const beforeInnerEnds = snapshot(hours);
        if (keepInner) hours.keep();
        else hours.undoTo(innerMark);
        if (keepInner) expect(snapshot(hours)).toEqual(beforeInnerEnds);
        expect(hours.weightedGridChangeSince(outer)).toBeCloseTo(weightedGrid() - objectiveAtOuter, 9);
        const version = hours.version;
        hours.undoTo(outer);
        expect(snapshot(hours)).toEqual(atOuter);
        // Costs worked out at any version since the mark do not hold for the hours put back.
        expect(hours.version).toBeGreaterThan(version);
      }),
      propertyParameters(37, 200),
    );
  });
});
