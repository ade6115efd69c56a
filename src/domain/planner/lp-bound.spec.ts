import fc from 'fast-check';
import { lpBound } from './lp-bound.js';
import { peakPenalty } from './objective.js';
import { plan } from './plan.js';
import type { PlanInput, PlanJob, SiteSignals } from './plan-types.js';
import {
  at,
  planJob,
  planSite,
  PLAN_START as start,
  randomJobFields,
  randomPlanJob,
  randomPlanSite,
} from '../../../test/support/planner-fixtures.js';
import { ISSUE_POWER_CURVE as CURVE } from '../../../test/support/power-curves.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

const site = planSite;
const job = (id: string, fields: Partial<PlanJob> = {}) => planJob(id, { deadline: at(8), ...fields });
const PEAK_WEIGHT = 10; // the default: a peak hour's grid MWh counts ten times
/** 1 kW per GPU, PUE 1: a 10-GPU job draws 0.01 MW. */
const JOB_MW = 0.01;

const flat = (hours: number, value = 0) => new Array<number>(hours).fill(value);
const only = (hours: number, on: number[], value = 1) => flat(hours).map((_, h) => (on.includes(h) ? value : 0));

/** A site with no green and no peak over `hours`, and the other signals given. */
const signalSite = (hours: number, signals: Partial<SiteSignals>) =>
  site('west', flat(hours), flat(hours), { signals: { greenMw: flat(hours), peak: flat(hours), ...signals } });

/** The bound for an input, with the planner's plan supplying the non-deferrable load. */
async function bound(input: PlanInput) {
  const result = await lpBound(input, plan(input));
  expect(result.status).toBe('optimal');
  return result;
}

/** The objective with the peak rule priced in, as the planner and the models minimise it. */
const priced = (objective: number, deferrablePeakMwh: number) => objective + peakPenalty(deferrablePeakMwh);

describe('LP bound on instances whose optimum is known by hand', () => {
  it('needs no grid energy when green hours hold all the work', async () => {
    const result = await bound({ start, hours: 8, sites: [site('west', only(8, [3, 4, 5]))], jobs: [job('a')] });
    expect(result).toMatchObject({ objective: 0, gridMwh: 0, unmetWorkHours: 0, deferrablePeakHours: 0 });
    expect(result.energyMwh).toBeCloseTo(3 * JOB_MW, 12);
    expect(result.greenMwh).toBeCloseTo(3 * JOB_MW, 12);
  });

  it('keeps deferrable work out of peak hours while off-peak hours remain, even a green peak', async () => {
    const peak = only(8, [0, 1, 2, 3]);
    const result = await bound({ start, hours: 8, sites: [site('west', flat(8), peak)], jobs: [job('a')] });
    expect(result.objective).toBeCloseTo(3 * JOB_MW, 9); // three off-peak hours on the grid
    expect(result.deferrablePeakHours).toBeCloseTo(0, 9);
    expect(result.peakGridMwh).toBeCloseTo(0, 9);
    // Green in the peak does not lure it there: the work is where its GPUs are held.
    const greenPeak = await bound({ start, hours: 8, sites: [site('west', peak, peak)], jobs: [job('a')] });
    expect(greenPeak.objective).toBeCloseTo(3 * JOB_MW, 9);
    expect(greenPeak.deferrablePeakHours).toBeCloseTo(0, 9);
  });

  it('runs deferrable work in peak hours when its window is all peak, the grid counted peakWeight times', async () => {
    const peak = only(8, [0, 1, 2, 3]);
    const input = { start, hours: 8, sites: [site('west', flat(8), peak)], jobs: [job('a', { deadline: at(4) })] };
    const result = await bound(input);
    expect(result.objective).toBeCloseTo(PEAK_WEIGHT * 3 * JOB_MW, 9);
    expect(result.peakGridMwh).toBeCloseTo(3 * JOB_MW, 9);
    expect(result.deferrablePeakHours).toBeCloseTo(3, 9);
    // 2.5 h of work still holds its GPUs for 3 whole hours.
    const partial = await bound({ ...input, jobs: [job('a', { remainingHours: 2.5, deadline: at(4) })] });
    expect(partial.objective).toBeCloseTo(PEAK_WEIGHT * 2.5 * JOB_MW, 9);
    expect(partial.deferrablePeakHours).toBeCloseTo(3, 9);
  });

  it('spreads work over fractions of hours: a bound below what whole hours reach', async () => {
    // Green 0.005 MW every hour, a 0.01 MW job of 3 h in 8 h. Half of each of 6 hours (or any
    // spread) stays within the green: bound 0. A real plan runs 3 whole hours, 0.005 MW on grid.
    const input = { start, hours: 8, sites: [site('west', flat(8, 0.005))], jobs: [job('a')] };
    const result = await bound(input);
    expect(result.objective).toBeCloseTo(0, 9);
    expect(plan(input).totals.objective).toBeCloseTo(3 * 0.005, 9);
  });

  it('runs a job at one site at a time: two sites cannot do two hours of its work in one hour', async () => {
    // Green only in hour 0, at both sites; a 2 h job due at hour 2. At both sites at once it would
    // finish in the green hour; one site at a time, its second hour is on the grid.
    const green = only(2, [0], JOB_MW);
    const sites = [site('west', green, flat(2)), site('east', green, flat(2))];
    const result = await bound({ start, hours: 2, sites, jobs: [job('a', { remainingHours: 2, deadline: at(2) })] });
    expect(result.objective).toBeCloseTo(JOB_MW, 9);
    expect(result.gridMwh).toBeCloseTo(JOB_MW, 9);
  });

  it('gives the one green hour to one of two jobs sharing a site that holds one at a time', async () => {
    // 10 GPUs: one job per hour. Green covers one job in hour 0; the other hour is on the grid.
    const sites = [site('west', only(2, [0], JOB_MW), flat(2), { gpus: 10 })];
    const jobs = [job('a', { remainingHours: 1, deadline: at(2) }), job('b', { remainingHours: 1, deadline: at(2) })];
    const result = await bound({ start, hours: 2, sites, jobs });
    expect(result.objective).toBeCloseTo(JOB_MW, 9);
    expect(result.energyMwh).toBeCloseTo(2 * JOB_MW, 9);
    expect(result.unmetWorkHours).toBeCloseTo(0, 9);
  });

  it('follows the green to another site, but only to sites the job allows', async () => {
    const sites = [site('east', flat(8)), site('west', flat(8, 1))];
    const free = await bound({ start, hours: 8, sites, jobs: [job('a')] });
    expect(free.objective).toBeCloseTo(0, 9);
    const pinned = await bound({ start, hours: 8, sites, jobs: [job('a', { sites: ['east'] })] });
    expect(pinned.objective).toBeCloseTo(3 * JOB_MW, 9);
  });

  it('counts a site only once the dataset has reached it', async () => {
    // West is green but 6 h of transfer away: 2 of 3 hours fit there before the deadline at 8.
    const sites = [site('east', flat(8)), site('west', flat(8, 1))];
    const result = await bound({ start, hours: 8, sites, jobs: [job('a', { transferHours: { west: 6 } })] });
    expect(result.objective).toBeCloseTo(JOB_MW, 9);
  });

  it('takes non-deferrable load from the plan given: the green it uses is gone', async () => {
    // Green covers one job in hours 0–1 (carbon 800 g/kWh), none in hours 2–3 (100 g/kWh).
    const sites = [signalSite(4, { greenMw: only(4, [0, 1], JOB_MW), carbonGPerKwh: [800, 800, 100, 100] })];
    const options = { objective: 'carbon' as const };
    const deferrable = job('d', { remainingHours: 1, deadline: at(4) });
    const alone = await bound({ start, hours: 4, sites, jobs: [deferrable], options });
    expect(alone.objective).toBeCloseTo(0, 9);
    // A non-deferrable job starts at 0 and takes hours 0–1's green: hour 2 is now the cheapest.
    const fixed = job('n', { deferrable: false, remainingHours: 2, deadline: at(4) });
    const both = await bound({ start, hours: 4, sites, jobs: [fixed, deferrable], options });
    expect(both.objective).toBeCloseTo(JOB_MW * 100, 9);
    expect(both.energyMwh).toBeCloseTo(3 * JOB_MW, 9);
  });

  it('takes a fixed job’s load at the site of each of its segments, where it moved', async () => {
    // East has green for one job in hour 0, where the deferrable job must run; west's hour 0 is a peak.
    const sites = [site('west', flat(2), only(2, [0])), site('east', only(2, [0], JOB_MW))];
    const deferrable = job('d', { remainingHours: 1, deadline: at(1), sites: ['east'] });
    const fixedJob = job('n', { deferrable: false, remainingHours: 2, deadline: at(2) });
    const input: PlanInput = { start, hours: 2, sites, jobs: [fixedJob, deferrable] };
    const planned = plan(input);
    const segment = (site: string, hour: number) => ({
      site,
      startHour: hour,
      endHour: hour + 1,
      start: at(hour).toISO()!,
      end: at(hour + 1).toISO()!,
    });
    // The fixed job ran hour 0 at east (taking its green), then moved west: its job plan names west.
    const moved = {
      ...planned.jobs.find((j) => j.jobId === 'n')!,
      site: 'west',
      segments: [segment('east', 0), segment('west', 1)],
    };
    const result = await lpBound(input, { ...planned, jobs: [moved] });
    expect(result.status).toBe('optimal');
    // Both off-peak on the grid: the fixed job's west hour and d's (counted at west, it would hold west's peak).
    expect(result.objective).toBeCloseTo(2 * JOB_MW, 9);
  });

  it('minimises carbon when asked: each grid MWh weighed by its hour’s intensity', async () => {
    const carbon = [800, 800, 100, 800];
    const sites = [signalSite(4, { carbonGPerKwh: carbon })];
    const input: PlanInput = { start, hours: 4, sites, jobs: [job('a', { remainingHours: 1, deadline: at(4) })] };
    const result = await bound({ ...input, options: { objective: 'carbon' } });
    expect(result.objective).toBeCloseTo(JOB_MW * 100, 9); // MWh × g/kWh = kg
    expect(result.carbonKg).toBeCloseTo(JOB_MW * 100, 9);
  });

  it('respects an import cap: capped hours hold only part of the job', async () => {
    // No green; cap 0.005 MW lets the job hold at most half of each hour: 3 h of work needs 6 hours.
    const sites = [signalSite(8, { importCapMw: flat(8, 0.005) })];
    const fits = await bound({ start, hours: 8, sites, jobs: [job('a', { deadline: at(6) })] });
    expect(fits.unmetWorkHours).toBeCloseTo(0, 9);
    expect(fits.gridMwh).toBeCloseTo(3 * JOB_MW, 9);
    const short = await bound({ start, hours: 8, sites, jobs: [job('a', { deadline: at(4) })] });
    expect(short.unmetWorkHours).toBeGreaterThanOrEqual(1 - 1e-9); // 2 of 3 hours fit
  });

  it('reports unmet work when the window is too short or the GPUs too few, and places what fits', async () => {
    const sites = [site('west', flat(8))];
    const short = await bound({ start, hours: 8, sites, jobs: [job('a', { deadline: at(2) })] });
    expect(short.unmetWorkHours).toBeGreaterThanOrEqual(1 - 1e-9); // 3 h of work, 2 h of window
    expect(short.objective).toBeCloseTo(2 * JOB_MW, 9); // the 2 hours that fit; unmet work is not in the objective
    const crowded = {
      start,
      hours: 2,
      sites: [site('west', flat(2), flat(2), { gpus: 10 })],
      jobs: [job('a', { remainingHours: 1, deadline: at(1) }), job('b', { remainingHours: 1, deadline: at(1) })],
    };
    expect((await bound(crowded)).unmetWorkHours).toBeGreaterThanOrEqual(1 - 1e-9); // one GPU-hour slot, two jobs
  });

  it('reports unmet work in hours of work (not occupancy too)', async () => {
    const sites = [site('west', flat(8))];
    expect((await bound({ start, hours: 8, sites, jobs: [job('a', { deadline: at(2) })] })).unmetWorkHours).toBeCloseTo(
      1,
      6,
    );
    const half = await bound({ start, hours: 8, sites, jobs: [job('a', { remainingHours: 2.5, deadline: at(2) })] });
    expect(half.unmetWorkHours).toBeCloseTo(0.5, 6);
    const crowded = {
      start,
      hours: 2,
      sites: [site('west', flat(2), flat(2), { gpus: 10 })],
      jobs: [job('a', { remainingHours: 1, deadline: at(1) }), job('b', { remainingHours: 1, deadline: at(1) })],
    };
    expect((await bound(crowded)).unmetWorkHours).toBeCloseTo(1, 6);
  });
});

describe('LP bound with power caps (#20)', () => {
  const capping = (hours: number, signals: Partial<SiteSignals> = {}) => ({
    ...signalSite(hours, signals),
    capsPower: true,
  });

  it('runs a job with a curve at its most frugal level where the window allows: 71% of the energy', async () => {
    const jobs = [job('a', { power: CURVE })];
    const capped = await bound({ start, hours: 8, sites: [capping(8)], jobs });
    expect(capped.gridMwh).toBeCloseTo((3 / 0.7) * 0.5 * JOB_MW, 9);
    expect(capped.unmetWorkHours).toBeCloseTo(0, 9);
    // The same job at a site that cannot cap, and a job without a curve, run at full power.
    expect((await bound({ start, hours: 8, sites: [signalSite(8, {})], jobs })).gridMwh).toBeCloseTo(3 * JOB_MW, 9);
    expect((await bound({ start, hours: 8, sites: [capping(8)], jobs: [job('a')] })).gridMwh).toBeCloseTo(
      3 * JOB_MW,
      9,
    );
  });

  it('counts a capped run in a peak hour at its power above the curve’s minimum (the minimum as shed)', async () => {
    // Four peak hours, 3 h of work: 0.75 of full throughput in each, which the curve gives at 0.55 of the power, 0.5
    // of it the minimum, which the peak rule counts as paused (peakHeldMw).
    const sites = [capping(4, { peak: flat(4, 1) })];
    const capped = await bound({ start, hours: 4, sites, jobs: [job('a', { power: CURVE, deadline: at(4) })] });
    expect(capped.gridMwh).toBeCloseTo(4 * 0.55 * JOB_MW, 9);
    expect(capped.deferrablePeakMwh).toBeCloseTo(4 * (0.55 - 0.5) * JOB_MW, 9);
    const full = await bound({ start, hours: 4, sites, jobs: [job('a', { deadline: at(4) })] });
    expect(full.deferrablePeakMwh).toBeCloseTo(3 * JOB_MW, 9);
  });

  it('meets an import cap at half the job’s power by capping instead of leaving work undone', async () => {
    const sites = [capping(8, { importCapMw: flat(8, JOB_MW / 2) })];
    const jobs = [job('a', { deadline: at(5) })];
    expect((await bound({ start, hours: 8, sites, jobs })).unmetWorkHours).toBeCloseTo(0.5, 6); // half of 5 hours
    const capped = await bound({ start, hours: 8, sites, jobs: [job('a', { power: CURVE, deadline: at(5) })] });
    expect(capped.unmetWorkHours).toBeCloseTo(0, 6); // 5 hours at half the power: 3.5 h of work
  });
});

describe('LP bound: never above a feasible plan', () => {
  // Tiny instances whose every plan can be enumerated: deferrable, interruptible jobs of 10 GPUs
  // with whole hours of work and no checkpoint cost, so any choice of hours and sites is a plan.
  const HOURS = 6;
  const instance = fc.record({
    sites: fc.array(
      fc.record({
        gpus: fc.constantFrom(10, 20),
        green: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.02, noNaN: true })), {
          minLength: HOURS,
          maxLength: HOURS,
        }),
        peak: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: HOURS, maxLength: HOURS }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    jobs: fc.array(
      fc.record({
        work: fc.integer({ min: 1, max: 3 }),
        from: fc.integer({ min: 0, max: 2 }),
        slack: fc.integer({ min: 0, max: 2 }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  });
  type Instance = typeof instance extends fc.Arbitrary<infer T> ? T : never;

  function build(raw: Instance): PlanInput {
    const sites = raw.sites.map((s, k) => site(`s${k}`, s.green, s.peak, { gpus: s.gpus }));
    const jobs = raw.jobs.map((j, k) =>
      job(`j${k}`, {
        remainingHours: j.work,
        earliestStart: at(j.from),
        deadline: at(Math.min(HOURS, j.from + j.work + j.slack)),
      }),
    );
    return { start, hours: HOURS, sites, jobs };
  }

  /** Every way to give a job `work` of the hours [from, to), each at one site: 1 per site-hour held (s × HOURS + h). */
  function placements(work: number, from: number, to: number, sites: number): Uint8Array[] {
    const result: Uint8Array[] = [];
    const walk = (h: number, left: number, held: Uint8Array) => {
      if (left === 0) return void result.push(held.slice());
      if (to - h < left) return;
      walk(h + 1, left, held); // idle in hour h
      for (let s = 0; s < sites; s++) {
        held[s * HOURS + h] = 1;
        walk(h + 1, left - 1, held);
        held[s * HOURS + h] = 0;
      }
    };
    walk(from, work, new Uint8Array(sites * HOURS));
    return result;
  }

  /**
   * The cheapest plan of all, priced like the planner: Σ weight × grid MWh + the peak rule's price of the peak hours
   * held.
   */
  function bruteForceOptimum(raw: Instance): number {
    const input = build(raw);
    const options = raw.jobs.map((j, k) => {
      const to = Math.round(input.jobs[k].deadline.diff(start, 'hours').hours);
      return placements(j.work, j.from, to, raw.sites.length);
    });
    const held = new Uint8Array(raw.sites.length * HOURS);
    let best = Infinity;
    const combine = (k: number) => {
      if (k < options.length) {
        for (const option of options[k]) {
          option.forEach((n, i) => (held[i] += n));
          combine(k + 1);
          option.forEach((n, i) => (held[i] -= n));
        }
        return;
      }
      let cost = 0;
      for (let i = 0; i < held.length; i++) {
        const s = raw.sites[Math.floor(i / HOURS)];
        const h = i % HOURS;
        if (held[i] * 10 > s.gpus) return; // more GPUs than the site has
        const peak = s.peak[h] === 1;
        const grid = Math.max(0, held[i] * JOB_MW - s.green[h]);
        cost += peak ? grid * PEAK_WEIGHT + peakPenalty(JOB_MW) * held[i] : grid;
      }
      best = Math.min(best, cost);
    };
    combine(0);
    return best;
  }

  it('is at most the cheapest of all plans, found by trying every one (1–2 jobs, 1–2 sites, 6 hours)', async () => {
    let tried = 0;
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(instance, async (raw) => {
        tried++;
        const optimum = bruteForceOptimum(raw);
        fc.pre(optimum < Infinity); // two jobs may not fit together on a 10-GPU site
        const result = await bound(build(raw));
        // A plan exists, so the relaxation places all the work too.
        expect(result.unmetWorkHours).toBeCloseTo(0, 6);
        expect(priced(result.objective, result.deferrablePeakMwh)).toBeLessThanOrEqual(optimum + 1e-6);
        checked++;
      }),
      propertyParameters(301, 150),
    );
    expect(checked).toBe(150); // fc.pre replaces a skipped instance with a new one
    expect(checked).toBeGreaterThanOrEqual(tried * 0.75); // and few are skipped
  });

  it('equals the cheapest plan for one job at one site when every hour is all green or none', async () => {
    // Then each hour's cost is linear in the work done there, and the LP's optimum is whole hours.
    const allOrNothing = instance.map((raw): Instance => ({
      sites: [{ ...raw.sites[0], gpus: 10, green: raw.sites[0].green.map((g) => (g > 0.01 ? 1 : 0)) }],
      jobs: raw.jobs.slice(0, 1),
    }));
    await fc.assert(
      fc.asyncProperty(allOrNothing, async (raw) => {
        const result = await bound(build(raw));
        expect(priced(result.objective, result.deferrablePeakMwh)).toBeCloseTo(bruteForceOptimum(raw), 6);
      }),
      propertyParameters(302, 100),
    );
  });
});

describe('LP bound: never above the planner’s plan on random instances', () => {
  const HOURS = 12;
  const series = (max: number) =>
    fc.array(fc.double({ min: 0, max, noNaN: true }), { minLength: HOURS, maxLength: HOURS });
  const instance = fc.record({
    sites: fc.array(
      fc.record({
        gpus: fc.integer({ min: 8, max: 32 }),
        green: series(0.03),
        peak: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: HOURS, maxLength: HOURS }),
        cap: fc.option(fc.double({ min: 0.01, max: 0.04, noNaN: true })),
        capsPower: fc.boolean(),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    jobs: fc.array(
      fc.record({
        ...randomJobFields({ maxWork: 4, maxFrom: 4, maxSlack: 4, maxCheckpointMinutes: 30 }),
        curve: fc.boolean(),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  });

  it('prices every plan keeping all deadlines at or above the bound, peak rule and power caps included', async () => {
    let tried = 0;
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(instance, async (raw) => {
        tried++;
        const sites = raw.sites.map((s, k) =>
          randomPlanSite(
            k,
            s.gpus,
            { greenMw: s.green, peak: s.peak, importCapMw: s.cap === null ? undefined : flat(HOURS, s.cap) },
            { capsPower: s.capsPower },
          ),
        );
        const jobs = raw.jobs.map((j, k) => randomPlanJob(j, k, j.curve ? { power: CURVE } : {}));
        const input: PlanInput = { start, hours: HOURS, sites, jobs };
        const planned = plan(input);
        // Like with like: the bound places all work inside the windows, so must the plan.
        fc.pre(planned.totals.deadlineMisses === 0);
        const result = await lpBound(input, planned);
        expect(result.status).toBe('optimal');
        expect(result.unmetWorkHours).toBeCloseTo(0, 6); // what the planner fits, the relaxation fits
        const planPriced = priced(planned.totals.objective, planned.totals.deferrablePeakMwh);
        expect(priced(result.objective, result.deferrablePeakMwh)).toBeLessThanOrEqual(planPriced + 1e-6);
        checked++;
      }),
      propertyParameters(303, 100),
    );
    expect(checked).toBe(100);
    expect(checked).toBeGreaterThanOrEqual(tried * 0.5);
  });
});
