import { DateTime } from 'luxon';
import { lpBound } from '../domain/planner/lp-bound.js';
import { plan } from '../domain/planner/plan.js';
import { readItpTrace } from './itp-trace.js';
import { readOpsdZones } from './opsd.js';
import type { PlanInput } from '../domain/planner/plan-types.js';
import {
  EXAMPLE_CURVE,
  exactSlice,
  pauseOnly,
  realDataInstance,
  SUITE,
  SUITE_FROM,
  suiteInstance,
} from './planning-instance.js';

describe('regression on a fixed real-data instance (OPSD March 2019, ITP cluster04)', () => {
  const zones = readOpsdZones(DateTime.fromISO('2019-03-07T00:00:00Z', { zone: 'utc' }), 72);
  const trace = readItpTrace('data/itp-traces/cluster04.csv').filter((t) => t.submitSeconds < 1.5 * 86400);
  const { input } = realDataInstance({ zones, trace, sitesPerZone: 1, gpusPerSite: 128 });

  it('builds the instance by its stated rules', () => {
    expect(input.sites.map((s) => s.id)).toEqual(['50hertz-1', 'amprion-1', 'tennet-1', 'transnetbw-1']);
    expect(input.jobs.length).toBe(28);
    expect(
      input.jobs.every(
        (j) =>
          j.deadline.diff(j.earliestStart, 'hours').hours >=
          Math.max(2 * j.remainingHours, j.remainingHours + 12) - 1e-9,
      ),
    ).toBe(true);
  });

  it('westwind: within 2% of AI energy of the LP bound, ≥ 97% of its green energy, no missed deadline', async () => {
    const westwind = plan(input);
    const bound = await lpBound(input, westwind);
    expect(bound.unmetWorkHours).toBeLessThan(1e-6);
    expect(westwind.totals.deadlineMisses).toBe(0);
    expect(westwind.totals.objective - bound.objective).toBeLessThanOrEqual(0.02 * westwind.totals.energyMwh);
    expect(westwind.totals.greenMwh).toBeGreaterThanOrEqual(0.97 * bound.greenMwh);
    expect(westwind.totals.peakGridMwh).toBe(0);
  });

  it('beats both baselines on grid energy', () => {
    const grid = (strategy: 'westwind' | 'fifo' | 'peak-pause') =>
      plan({ ...input, options: { strategy } }).totals.gridMwh;
    expect(grid('westwind')).toBeLessThan(grid('peak-pause'));
    expect(grid('westwind')).toBeLessThan(grid('fifo'));
  });
});

describe('the benchmark suite (issue #17): instances by their rules', () => {
  const trace = readItpTrace('data/itp-traces/cluster04.csv');
  const from = DateTime.fromISO(SUITE_FROM, { zone: 'utc' });
  const zonesOf = (start: DateTime, hours: number) => readOpsdZones(start, hours);
  const reference = suiteInstance(
    SUITE.find((s) => s.name === 'reference')!,
    zonesOf,
    from,
    trace,
  );

  it('has at least six static instances, each varying a rule of the reference', () => {
    expect(SUITE.length).toBeGreaterThanOrEqual(6);
    expect(new Set(SUITE.map((s) => s.name)).size).toBe(SUITE.length);
    expect(SUITE.some((s) => s.peak.windows && s.peak.loadWithin === undefined)).toBe(true);
    expect(SUITE.some((s) => s.supply.surplusCoverage > 0 && s.supply.ppaCoverage === 0)).toBe(true);
  });

  it('builds the reference: three zones, sites of 64, 96, 128 GPUs, load-derived peaks, PPA + surplus supply', () => {
    const { input, contracts } = reference;
    expect(input.sites.map((s) => [s.id, s.gpus])).toEqual([
      ['50hertz-1', 64],
      ['amprion-1', 96],
      ['tennet-1', 128],
    ]);
    expect(input.hours).toBe(168);
    expect(input.jobs.length).toBeGreaterThan(1400);
    // amprion has no surplus that week: its supply is the PPA share alone.
    expect(contracts[1].surplusShare).toBe(0);
    expect(contracts[0].surplusShare).toBeGreaterThan(0);
    for (const site of input.sites) {
      const maxMw = (site.gpus * 0.7 * 1.2) / 1000;
      expect(Math.max(...Array.from(site.signals.greenMw))).toBeLessThanOrEqual(maxMw + 1e-12);
      // Load-derived peaks (within 10% of the day's maximum): hours every local day, never all of them.
      const peakHours = Array.from(site.signals.peak).reduce((n, f) => n + f, 0);
      expect(peakHours).toBeGreaterThan(7);
      expect(peakHours).toBeLessThan(168);
    }
  });

  it('marks 17:00–22:00 Europe/Berlin as peak in the fixed-window instance', () => {
    const { input } = suiteInstance(
      SUITE.find((s) => s.name === 'fixed-peaks-ppa')!,
      zonesOf,
      from,
      trace,
    );
    const peak = input.sites[0].signals.peak;
    // 7 March 2019 is CET (UTC+1): 17:00–22:00 local is 16:00–21:00 UTC.
    expect(Array.from({ length: 24 }, (_, h) => peak[h])).toEqual(
      Array.from({ length: 24 }, (_, h) => (h >= 16 && h < 21 ? 1 : 0)),
    );
  });

  it('flexible-jobs: every second job of the reference declares the curve, sites cap; pause-only drops it', () => {
    const { input } = suiteInstance(
      SUITE.find((s) => s.name === 'flexible-jobs')!,
      zonesOf,
      from,
      trace,
    );
    expect(input.jobs.map((j) => j.id)).toEqual(reference.input.jobs.map((j) => j.id));
    expect(input.jobs.map((j) => j.power !== undefined)).toEqual(input.jobs.map((_, k) => k % 2 === 1));
    expect(input.jobs[1].power).toEqual(EXAMPLE_CURVE);
    expect(input.sites.every((s) => s.capsPower)).toBe(true);
    const plain = pauseOnly(input);
    expect(plain.jobs.some((j) => 'power' in j)).toBe(false);
    expect(plain.jobs.map((j) => ({ ...j }))).toEqual(reference.input.jobs.map((j) => ({ ...j })));
    // The reference itself declares no curve.
    expect(reference.input.jobs.some((j) => j.power)).toBe(false);
  });

  it('slices 40 jobs and 48 hours for the exact MIP, jobs inside the slice, sites scaled to the same load', () => {
    const slice = exactSlice(reference.input, 0);
    expect(slice.jobs).toHaveLength(40);
    expect(slice.hours).toBe(48);
    expect(slice.start.toISO()).toBe(from.toISO());
    expect(
      slice.jobs.every((j) => j.earliestStart >= slice.start && j.deadline <= slice.start.plus({ hours: 48 })),
    ).toBe(true);
    expect(new Set(slice.jobs.map((j) => j.id)).size).toBe(40);
    const load = (input: PlanInput) =>
      input.jobs.reduce((n, j) => n + j.gpus * j.remainingHours, 0) /
      (input.hours * input.sites.reduce((n, s) => n + s.gpus, 0));
    expect(load(slice)).toBeLessThanOrEqual(load(reference.input) + 0.01);
    expect(load(slice)).toBeGreaterThan(0.5 * load(reference.input));
    expect(Math.max(...slice.sites.map((s) => s.gpus))).toBeGreaterThanOrEqual(
      Math.max(...slice.jobs.map((j) => j.gpus)),
    );
    // Green supply scales with the site, hour by hour.
    const k = slice.sites[2].gpus / reference.input.sites[2].gpus;
    expect(slice.sites[2].signals.greenMw[5]).toBeCloseTo(k * reference.input.sites[2].signals.greenMw[5], 12);
    const later = exactSlice(reference.input, 48);
    expect(later.start.toISO()).toBe(from.plus({ hours: 48 }).toISO());
    const k48 = later.sites[0].gpus / reference.input.sites[0].gpus;
    expect(later.sites[0].signals.greenMw[5]).toBeCloseTo(k48 * reference.input.sites[0].signals.greenMw[48 + 5], 12);
    expect(later.sites[0].signals.peak[5]).toBe(reference.input.sites[0].signals.peak[48 + 5]);
  });

  // A 40-job, 48 h slice of the fixed-peak PPA week from `offset`, as the benchmark's exact slices cut it.
  const fixedPeakSlice = (offset: number) =>
    exactSlice(
      suiteInstance(
        SUITE.find((s) => s.name === 'fixed-peaks-ppa')!,
        zonesOf,
        from,
        trace,
      ).input,
      offset,
    );

  it('plans the fixed-peak slice from scratch with half the peak MWh three idle search rounds left', () => {
    const westwind = plan(fixedPeakSlice(0));
    expect(westwind.totals.deadlineMisses).toBe(0);
    // Stopped after three rounds of the search without gain, a 4-GPU job held two peak hours: 0.0134 peak MWh,
    // objective 0.059. A later round moves it out (the exact MIP, planning without the deadline margin, holds none).
    expect(westwind.totals.deferrablePeakMwh).toBeLessThan(0.007);
    expect(westwind.totals.objective).toBeLessThan(0.03);
  });

  it('plans the fixed-peak slice from hour 96 from scratch with no peak hour, searching as a small plan may', () => {
    const westwind = plan(fixedPeakSlice(96));
    expect(westwind.totals.deadlineMisses).toBe(0);
    // With 10,000 placements and 10 idle rounds the search left a job in a peak hour (0.0067 peak MWh, objective
    // 0.0993); a small plan's 30,000 and 50 take it out (session 40; the 40 s MIP's best: 0.0761, no peak hour).
    expect(westwind.totals.deferrablePeakMwh).toBeLessThan(1e-9);
    expect(westwind.totals.objective).toBeLessThan(0.095);
  });
});
