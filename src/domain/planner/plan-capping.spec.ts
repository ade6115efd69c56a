import fc from 'fast-check';
import { throughputAt } from '../energy/power-curve.js';
import { jobPowerMw } from '../energy/power.js';
import { plan } from './plan.js';
import { planCost } from './objective.js';
import type { Plan, PlanJob, PlanSite } from './plan-types.js';
import { at, planJob as job, planSite as site, PLAN_START as start } from '../../../test/support/planner-fixtures.js';
import { ISSUE_POWER_CURVE as CURVE } from '../../../test/support/power-curves.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

const MW = jobPowerMw(10, 1, 1); // a 10-GPU job at 1 kW per GPU, PUE 1
const running = (id: string, fields: Partial<PlanJob> = {}) =>
  job(id, { state: 'running', currentSite: 'west', runningSince: at(-2), remainingHours: 6, power: CURVE, ...fields });
/** Import cap for hours 0–2 (no green): `share` of four jobs' full power; `peak` hours flagged. */
const cappedSite = (share: number, peak: number[] = []) => {
  const cap = Array.from({ length: 24 }, (_, h) => (h < 3 ? 4 * MW * share : Infinity));
  const peakFlags = Array.from({ length: 24 }, (_, h) => (peak.includes(h) ? 1 : 0));
  return site('west', new Array<number>(24).fill(0), peakFlags, {
    gpus: 40,
    capsPower: true,
    signals: { greenMw: new Array<number>(24).fill(0), peak: peakFlags, importCapMw: cap },
  });
};
const fractionsAt = (p: Plan, id: string, hour: number) => {
  const segment = p.jobs.find((j) => j.jobId === id)!.segments.find((s) => s.startHour <= hour && hour < s.endHour);
  return segment ? (segment.powerFraction ?? 1) : 0;
};

describe('planner: capping before pausing under an import cap', () => {
  it('caps four running jobs to 70% through a 30% cut instead of pausing one, and says so', () => {
    const p = plan({ start, hours: 24, sites: [cappedSite(0.7)], jobs: ['a', 'b', 'c', 'd'].map((id) => running(id)) });
    for (const id of ['a', 'b', 'c', 'd']) {
      for (const hour of [0, 1, 2]) expect(fractionsAt(p, id, hour)).toBeCloseTo(0.7, 9);
      expect(fractionsAt(p, id, 3)).toBe(1);
      expect(p.jobs.find((j) => j.jobId === id)!.pauses).toBe(0);
    }
    expect(p.jobs[0].reason).toMatch(/^capped to 70% until 03:00 UTC: import cap; running at west/);
    // 3 h at 0.9 throughput, then 6 − 2.7 = 3.3 h at full power: done at hour 6.3.
    expect(Date.parse(p.jobs[0].finish!)).toBe(at(6.3).toMillis());
    expect(p.load.west[0].drawMw).toBeCloseTo(4 * MW * 0.7, 9);
    expect(p.totals.pauses).toBe(0);
  });

  it('caps the jobs with a power curve so that one without keeps running, rather than pausing it', () => {
    const jobs = [running('a'), running('b'), running('c'), running('plain', { power: undefined })];
    const p = plan({ start, hours: 24, sites: [cappedSite(0.65)], jobs });
    // 2.6 jobs' power: 'plain' at full power (1), the three others share 1.6: 53% each. Nobody pauses.
    expect(p.load.west[0].drawMw).toBeCloseTo(4 * MW * 0.65, 9);
    for (const id of ['a', 'b', 'c']) expect(fractionsAt(p, id, 0)).toBeCloseTo(1.6 / 3, 9);
    expect(fractionsAt(p, 'plain', 0)).toBe(1);
    expect(p.totals.pauses).toBe(0);
  });

  it('keeps a job that declares no curve at full power or pauses it: never capped', () => {
    const p = plan({
      start,
      hours: 24,
      sites: [cappedSite(0.7)],
      jobs: ['a', 'b', 'c', 'd'].map((id) => running(id, { power: undefined })),
    });
    for (const j of p.jobs) expect(j.segments.every((s) => s.powerFraction === undefined)).toBe(true);
    expect(p.totals.pauses).toBeGreaterThan(0);
  });

  it('caps jobs that are not deferrable through peak hours too (an emergency marks its hours as peak)', () => {
    const jobs = ['a', 'b', 'c', 'd'].map((id) => running(id, { deferrable: false }));
    const p = plan({ start, hours: 24, sites: [cappedSite(0.7, [0, 1])], jobs });
    for (const id of ['a', 'b', 'c', 'd'])
      for (const hour of [0, 1, 2]) expect(fractionsAt(p, id, hour)).toBeCloseTo(0.7, 9);
    expect(p.totals.pauses).toBe(0);
  });

  it('leaves a deferrable job paused through a peak, and caps the others into the room', () => {
    // Hour 1 is a peak: 'flex' (deferrable) pauses there as the peak rule wants; the three others
    // (not deferrable) share the cut; nobody runs below 0.5.
    const jobs = [running('flex'), ...['a', 'b', 'c'].map((id) => running(id, { deferrable: false }))];
    const p = plan({ start, hours: 24, sites: [cappedSite(0.7, [1])], jobs });
    expect(fractionsAt(p, 'flex', 1)).toBe(0);
    for (const id of ['a', 'b', 'c']) {
      for (const hour of [0, 1, 2]) expect(fractionsAt(p, id, hour)).toBeGreaterThanOrEqual(0.5);
    }
    for (let h = 0; h < 3; h++) expect(p.load.west[h].drawMw).toBeLessThanOrEqual(4 * MW * 0.7 + 1e-9);
  });

  it('says an import cap paused a running job that could not be capped', () => {
    const jobs = [running('a'), running('b'), running('c'), running('plain', { power: undefined, deferrable: false })];
    const p = plan({ start, hours: 24, sites: [cappedSite(0.45)], jobs });
    const plain = p.jobs.find((j) => j.jobId === 'plain')!;
    expect(fractionsAt(p, 'plain', 0)).toBe(0);
    expect(plain.reason).toMatch(/^paused: import cap at west until 03:00 UTC; /);
  });

  it('pauses instead at a site that cannot cap power', () => {
    const jobs = ['a', 'b', 'c', 'd'].map((id) => running(id));
    const p = plan({ start, hours: 24, sites: [{ ...cappedSite(0.7), capsPower: false }], jobs });
    for (const j of p.jobs) expect(j.segments.every((s) => s.powerFraction === undefined)).toBe(true);
    expect(p.totals.pauses).toBeGreaterThan(0);
  });

  it('never exceeds the cap, never caps below a minimum, never makes an on-time job late; work adds up', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1.2, noNaN: true }),
        fc.array(fc.record({ remaining: fc.double({ min: 0.5, max: 8, noNaN: true }), curve: fc.boolean() }), {
          minLength: 1,
          maxLength: 4,
        }),
        (share, specs) => {
          const jobs = specs.map((spec, k) =>
            running(`j${k}`, { remainingHours: spec.remaining, power: spec.curve ? CURVE : undefined }),
          );
          const p = plan({ start, hours: 24, sites: [cappedSite(share)], jobs });
          for (let h = 0; h < 3; h++) expect(p.load.west[h].drawMw).toBeLessThanOrEqual(4 * MW * share + 1e-9);
          for (const [k, j] of p.jobs.entries()) {
            expect(j.meetsDeadline).toBe(true);
            let work = 0;
            for (const segment of j.segments) {
              const f = segment.powerFraction ?? 1;
              expect(f).toBeGreaterThanOrEqual(specs[k].curve ? CURVE.minFraction : 1);
              work += (segment.endHour - segment.startHour) * throughputAt(specs[k].curve ? CURVE : undefined, f);
            }
            // It holds at least the hours its work needs (a pause adds a checkpoint on top).
            expect(work).toBeGreaterThanOrEqual(specs[k].remaining - 1e-9);
          }
        },
      ),
      propertyParameters(20, 200),
    );
  });
});

describe('planner: capping as a choice, without an import cap', () => {
  /** No green, no peak: every hour on the grid, so less energy for the same work is less grid energy. */
  const gridSite = (extra: Partial<PlanSite> = {}) =>
    site('west', new Array<number>(24).fill(0), new Array<number>(24).fill(0), { gpus: 40, capsPower: true, ...extra });
  const queued = (fields: Partial<PlanJob> = {}) => job('a', { remainingHours: 6, power: CURVE, ...fields });

  it('runs a job capped where that draws less grid energy for its work, and says so', () => {
    const p = plan({ start, hours: 24, sites: [gridSite()], jobs: [queued()] });
    const [a] = p.jobs;
    // 0.5 of the power at 0.7 of the throughput: 6 h of work take 8.57 h at 71% of the energy.
    expect(a.segments.every((s) => s.powerFraction === 0.5)).toBe(true);
    expect(p.totals.energyMwh).toBeCloseTo((6 / 0.7) * 0.5 * MW, 9);
    expect(a.reason).toMatch(/^capped to 50% throughout: its work for 71% of the energy; /);
    expect(a.meetsDeadline).toBe(true);
  });

  it('caps only as far as its deadline allows, and not at all when it leaves no room', () => {
    // 7 h to the deadline: 8.57 h at 50% do not fit, 6.67 h at 70% (0.9 throughput) do.
    const seven = plan({ start, hours: 24, sites: [gridSite()], jobs: [queued({ deadline: at(7) })] });
    expect(seven.jobs[0].segments.every((s) => s.powerFraction === 0.7)).toBe(true);
    expect(seven.jobs[0].meetsDeadline).toBe(true);
    const six = plan({ start, hours: 24, sites: [gridSite()], jobs: [queued({ deadline: at(6) })] });
    expect(six.jobs[0].segments.every((s) => s.powerFraction === undefined)).toBe(true);
  });

  it('keeps full power on renewable supply, at a site that cannot cap, and for a job without a curve', () => {
    const green = plan({
      start,
      hours: 24,
      sites: [site('west', new Array<number>(24).fill(1), undefined, { gpus: 40, capsPower: true })],
      jobs: [queued()],
    });
    const cannot = plan({ start, hours: 24, sites: [gridSite({ capsPower: false })], jobs: [queued()] });
    const plain = plan({ start, hours: 24, sites: [gridSite()], jobs: [queued({ power: undefined })] });
    for (const p of [green, cannot, plain]) expect(p.jobs[0].segments.every((s) => !s.powerFraction)).toBe(true);
  });

  it('runs the peak hours it cannot avoid capped, off-peak hours at the level that costs least, and says so', () => {
    // Off-peak only hours 0–1 before the deadline at 12, on green; 6 h of work. At full power 4 peak hours (4 × MW
    // of peak power held); capped to 50% in the peak the other 4 h of work take 5.71 h at half the power (3 × MW
    // drawn: six hours at 0.5), less than any single level throughout (3.5 × MW at 0.5 or 0.7). On the green hours
    // full power costs nothing. Throttled to its curve's minimum, it holds no peak power by the peak rule's count.
    const peak = Array.from({ length: 24 }, (_, h) => (h >= 2 ? 1 : 0));
    const green = Array.from({ length: 24 }, (_, h) => (h < 2 ? MW : 0));
    const sites = [site('west', green, peak, { gpus: 40, capsPower: true })];
    const p = plan({ start, hours: 24, sites, jobs: [queued({ deadline: at(12) })] });
    const [a] = p.jobs;
    expect(a.segments.map((s) => [s.startHour, s.endHour, s.powerFraction ?? 1])).toEqual([
      [0, 2, 1],
      [2, 8, 0.5],
    ]);
    expect(Date.parse(a.finish!)).toBeCloseTo(at(2 + 4 / 0.7).toMillis(), -3);
    expect(p.totals.deferrablePeakMwh).toBe(0);
    expect(p.totals.peakGridMwh).toBeCloseTo((4 / 0.7) * 0.5 * MW, 9);
    expect(p.totals.energyMwh).toBeCloseTo(2 * MW + (4 / 0.7) * 0.5 * MW, 9);
    expect(a.pauses).toBe(0);
    expect(a.reason).toMatch(/^capped to 50% in peak hours \(from 02:00–08:00 UTC\): peak; full power otherwise; /);
    // The same job without a curve holds 4 peak hours at full power.
    const plain = plan({ start, hours: 24, sites, jobs: [queued({ deadline: at(12), power: undefined })] });
    expect(plain.totals.deferrablePeakMwh).toBeCloseTo(4 * MW, 9);
    // Off-peak hours on the grid run at 70%: 1.8 h of work in them, 4.2 h in six peak hours at 50%, the same peak
    // draw for less energy.
    const gray = plan({
      start,
      hours: 24,
      sites: [site('west', new Array<number>(24).fill(0), peak, { gpus: 40, capsPower: true })],
      jobs: [queued({ deadline: at(12) })],
    });
    expect(gray.jobs[0].segments.map((s) => [s.startHour, s.endHour, s.powerFraction ?? 1])).toEqual([
      [0, 2, 0.7],
      [2, 8, 0.5],
    ]);
    expect(gray.totals.energyMwh).toBeCloseTo(2 * 0.7 * MW + 6 * 0.5 * MW, 9);
    expect(gray.totals.peakGridMwh).toBeCloseTo(6 * 0.5 * MW, 9);
    expect(gray.jobs[0].reason).toMatch(/^capped to 50% in peak hours \(from 02:00–08:00 UTC\): peak; 70% otherwise; /);
  });

  it('runs on throttled through a peak instead of pausing where that costs no more, and pauses where it would', () => {
    // Peak hours 2–4, green supply there just the job's minimum power, none elsewhere; 6 h of work due by hour 10.
    // Paused across the peak it needs 6 off-peak hours and a restore, all on the grid; throttled to 50% through the
    // peak (on the green supply) it does 2.1 h of work there, and 3.9 off-peak hours are left, none restored.
    const peak = Array.from({ length: 24 }, (_, h) => (h >= 2 && h < 5 ? 1 : 0));
    const green = peak.map((p) => p * 0.5 * MW);
    const sites = [site('west', green, peak, { gpus: 40, capsPower: true })];
    const p = plan({ start, hours: 24, sites, jobs: [queued({ deadline: at(10) })] });
    const [a] = p.jobs;
    expect(a.pauses).toBe(0);
    expect(a.meetsDeadline).toBe(true);
    for (const hour of [2, 3, 4]) expect(fractionsAt(p, 'a', hour)).toBe(0.5);
    expect(p.totals.deferrablePeakMwh).toBe(0);
    expect(p.totals.peakGridMwh).toBeCloseTo(0, 9);
    expect(p.totals.gridMwh).toBeCloseTo((6 - 3 * 0.7) * MW, 9);
    expect(a.reason).toMatch(/^capped to 50% in peak hours \(from 02:00–05:00 UTC\): peak; full power otherwise; /);
    // Without a curve it pauses across the peak.
    const plain = plan({ start, hours: 24, sites, jobs: [queued({ deadline: at(10), power: undefined })] });
    expect(plain.jobs[0].pauses).toBe(1);
    expect(plain.totals.peakGridMwh).toBe(0);
    // Without the green supply there, the peak hours would draw the grid at ten times the weight: it pauses.
    const gray = plan({
      start,
      hours: 24,
      sites: [site('west', new Array<number>(24).fill(0), peak, { gpus: 40, capsPower: true })],
      jobs: [queued({ deadline: at(10) })],
    });
    expect(gray.jobs[0].pauses).toBe(1);
    expect(gray.totals.peakGridMwh).toBe(0);
  });

  it('never makes a plan worse than the same jobs without curves: cost, peak MWh, deadlines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.05, noNaN: true }), { minLength: 24, maxLength: 24 }),
        fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
        fc.array(
          fc.record({
            remaining: fc.double({ min: 0.5, max: 8, noNaN: true }),
            from: fc.integer({ min: 0, max: 8 }),
            slack: fc.integer({ min: 0, max: 12 }),
            gpus: fc.integer({ min: 1, max: 40 }),
            curve: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (green, peak, specs) => {
          const jobs = specs.map((spec, k) =>
            job(`j${k}`, {
              gpus: spec.gpus,
              remainingHours: spec.remaining,
              earliestStart: at(spec.from),
              deadline: at(Math.min(24, spec.from + Math.ceil(spec.remaining) + spec.slack)),
              power: spec.curve ? CURVE : undefined,
            }),
          );
          const sites = [site('west', green, peak.map(Number), { gpus: 40, capsPower: true })];
          const flexible = plan({ start, hours: 24, sites, jobs });
          const pauseOnly = plan({ start, hours: 24, sites, jobs: jobs.map((j) => ({ ...j, power: undefined })) });
          expect(flexible.totals.deadlineMisses).toBeLessThanOrEqual(pauseOnly.totals.deadlineMisses);
          if (flexible.totals.deadlineMisses === pauseOnly.totals.deadlineMisses)
            expect(planCost(flexible.totals)).toBeLessThanOrEqual(planCost(pauseOnly.totals) * (1 + 1e-9) + 1e-9);
        },
      ),
      propertyParameters(21, 150),
    );
  });
});
