import fc from 'fast-check';
import { DateTime } from 'luxon';
import { LOAD_ERROR_AUTOCORRELATION } from '../energy/peak-hours.js';
import { gaussian, seededRandom } from '../seeded-random.js';
import { chanceOfMoreThan, lateRisk, planLateRisks, RiskPlanJob, surprisePeaks } from './lateness-risk.js';
import type { JobPlan } from './plan-types.js';

const START = DateTime.fromISO('2026-03-02T00:00:00Z', { zone: 'utc' });
const at = (hour: number) => START.plus({ hours: hour });
const seg = (startHour: number, endHour: number, site = 'a') => ({ site, startHour, endHour });
/** Chance `chances[h]` at every site. */
const chanceOf = (chances: number[]) => (_site: string, hour: number) => chances[hour] ?? 0;
const deferrable = (deadlineHour: number) => ({ deadline: at(deadlineHour), movedByPeaks: true });

describe('lateRisk', () => {
  it('is 0 where no planned hour may turn out a peak', () => {
    expect(lateRisk(deferrable(3), { segments: [seg(0, 3)] }, START, chanceOf([0, 0, 0]))).toBe(0);
  });

  it('is the hour’s chance for one hour at 0.5 with no room before the deadline', () => {
    expect(lateRisk(deferrable(1), { segments: [seg(0, 1)] }, START, chanceOf([0.5]))).toBeCloseTo(0.5, 12);
  });

  it('is 0.25 for two hours at 0.5 with an hour of room: late only when both turn peak', () => {
    expect(lateRisk(deferrable(3), { segments: [seg(0, 2)] }, START, chanceOf([0.5, 0.5]))).toBeCloseTo(0.25, 12);
  });

  it('counts hours across segments and sites', () => {
    // Three hours at 0.5 at two sites, no room: late unless none turns peak, 1 − 0.5³.
    const segments = [seg(0, 1, 'a'), seg(2, 4, 'b')];
    expect(lateRisk(deferrable(4), { segments }, START, chanceOf([0.5, 0.9, 0.5, 0.5]))).toBeCloseTo(0.875, 12);
  });

  it('is 1 for a job planned past its deadline, deferrable or not, and for one not placed', () => {
    const certain = chanceOf([0, 0, 0]);
    expect(lateRisk(deferrable(2), { segments: [seg(0, 3)] }, START, certain)).toBe(1);
    expect(lateRisk({ deadline: at(2), movedByPeaks: false }, { segments: [seg(0, 3)] }, START, certain)).toBe(1);
    expect(lateRisk(deferrable(2), { segments: [] }, START, certain)).toBe(1);
    // The exact finish decides: 2.5 h of work ending at 02:30 against a 02:00 deadline.
    const partLast = { segments: [seg(0, 3)], finish: at(2.5).toISO()! };
    expect(lateRisk(deferrable(2), partLast, START, certain)).toBe(1);
  });

  it('counts whole hours of room from the exact finish: 2.5 h of room holds 2 displaced hours', () => {
    const planned = { segments: [seg(0, 3)], finish: at(2.5).toISO()! };
    // Three hours at 0.5; room 5 − 2.5 = 2.5 h: late only when all three turn peak.
    expect(lateRisk(deferrable(5), planned, START, chanceOf([0.5, 0.5, 0.5]))).toBeCloseTo(0.125, 12);
  });

  it('is 0 for a job that runs through peaks (not deferrable, or running without pauses)', () => {
    expect(lateRisk({ deadline: at(1), movedByPeaks: false }, { segments: [seg(0, 1)] }, START, chanceOf([0.9]))).toBe(
      0,
    );
  });
});

describe('chanceOfMoreThan', () => {
  /** Every outcome of the events, summed where more than `room` happen: the definition, exponential in n. */
  const brute = (chances: number[], room: number) => {
    let total = 0;
    for (let mask = 0; mask < 1 << chances.length; mask++) {
      let p = 1;
      let count = 0;
      chances.forEach((c, i) => {
        const happens = (mask >> i) & 1;
        count += happens;
        p *= happens ? c : 1 - c;
      });
      if (count > room) total += p;
    }
    return total;
  };

  it('agrees with enumerating every outcome', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
        fc.integer({ min: -1, max: 11 }),
        (chances, room) => {
          expect(chanceOfMoreThan(chances, room)).toBeCloseTo(brute(chances, room), 9);
        },
      ),
    );
  });

  it('is cheap for a week of hours', () => {
    const chances = Array.from({ length: 168 }, (_, h) => (h % 24) / 240);
    const started = performance.now();
    const risk = chanceOfMoreThan(chances, 100);
    expect(performance.now() - started).toBeLessThan(100);
    expect(risk).toBeGreaterThanOrEqual(0);
    expect(risk).toBeLessThan(1e-9);
  });
});

describe('the independence assumption, against peaks drawn as peakChanceFromLoad draws them', () => {
  // A local day of 30 GW with 41 GW at 06:00–10:00 (the hours a job is planned in) and 50 GW at 18:00; a peak is
  // within 10% of the day's maximum; load errors of 5% from 06:00 on, AR(1) along the day.
  const load = Array.from({ length: 24 }, (_, h) => (h === 18 ? 50 : h >= 6 && h < 10 ? 41 : 30));
  const planned = [6, 7, 8, 9];
  const draws = 20_000;
  const random = seededRandom(21);
  const turned = new Float64Array(24);
  const byCount = new Float64Array(planned.length + 1);
  const innovation = Math.sqrt(1 - LOAD_ERROR_AUTOCORRELATION ** 2);
  for (let d = 0; d < draws; d++) {
    let error = gaussian(random);
    const drawn = load.map((mw, h) => {
      if (h > 0) error = LOAD_ERROR_AUTOCORRELATION * error + innovation * gaussian(random);
      return mw * (1 + (h >= 6 ? 0.05 : 0) * error);
    });
    const line = 0.9 * Math.max(...drawn);
    const peaks = planned.filter((h) => drawn[h] >= line);
    peaks.forEach((h) => turned[h]++);
    byCount[peaks.length]++;
  }
  const chances = planned.map((h) => turned[h] / draws);
  const joint = (room: number) => byCount.slice(room + 1).reduce((a, b) => a + b, 0) / draws;

  it('errs high with no room (peaks come together: none at all is likelier) and low with room for more', () => {
    // Hours below the 10% line: what the risk sums over.
    for (const p of chances) expect(p).toBeLessThan(0.1);
    // These draws: no room 0.19 assumed independent against 0.09 drawn; 1 h of room 0.015 against 0.058; 2 h
    // 0.0006 against 0.038.
    expect(chanceOfMoreThan(chances, 0)).toBeGreaterThan(1.5 * joint(0));
    expect(chanceOfMoreThan(chances, 1)).toBeLessThan(joint(1) / 2);
    expect(chanceOfMoreThan(chances, 2)).toBeLessThan(joint(2) / 10);
  });
});

describe('lateRisk properties', () => {
  const planned = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 5 })
    .map((gaps) => {
      // Segments from (gap, length) pairs, in order and apart.
      let hour = 0;
      return gaps.map(([gap, length]) => {
        const s = seg(hour + gap, hour + gap + length);
        hour = s.endHour;
        return s;
      });
    });
  const chances = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 });

  it('is within [0, 1] and does not rise as the deadline moves later', () => {
    fc.assert(
      fc.property(
        planned,
        chances,
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 10 }),
        fc.boolean(),
        (segments, p, deadlineHour, later, movedByPeaks) => {
          const risk = (hour: number) =>
            lateRisk({ deadline: at(hour), movedByPeaks }, { segments }, START, chanceOf(p));
          const before = risk(deadlineHour);
          const after = risk(deadlineHour + later);
          expect(before).toBeGreaterThanOrEqual(0);
          expect(before).toBeLessThanOrEqual(1);
          expect(after).toBeLessThanOrEqual(before + 1e-12);
        },
      ),
    );
  });
});

describe('planLateRisks', () => {
  const part = (jobId: string, startHour: number, endHour: number): JobPlan => ({
    jobId,
    site: 'a',
    segments: [{ ...seg(startHour, endHour), start: at(startHour).toISO()!, end: at(endHour).toISO()! }],
    finish: at(endHour).toISO()!,
    meetsDeadline: true,
    pauses: 0,
    peakHours: 0,
    peakMwh: 0,
    reason: '',
  });
  // Site a: hour 0 off-peak at 0.05, hour 1 a peak the plan counts (0.4), hour 2 off-peak at 0.08.
  const sites = [{ id: 'a', peak: [0, 1, 0], peakChance: [0.05, 0.4, 0.08] }];
  const job = (deadlineHour: number, more: Partial<RiskPlanJob> = {}): RiskPlanJob => ({
    deadline: at(deadlineHour),
    deferrable: true,
    interruptible: true,
    state: 'queued',
    ...more,
  });

  it('counts only the hours the plan takes as off-peak, and jobs that pause for peaks', () => {
    const plan = { start: START.toISO()!, jobs: [part('tight', 0, 3), part('firm', 0, 3), part('stuck', 0, 3)] };
    const risks = planLateRisks(
      plan,
      new Map([
        ['tight', job(3)],
        ['firm', job(3, { deferrable: false })],
        ['stuck', job(3, { interruptible: false, state: 'running' })],
      ]),
      sites,
    );
    // Hour 1 is planned as a peak: only hours 0 and 2 can surprise, 1 − 0.95 × 0.92.
    expect(risks.get('tight')).toBeCloseTo(1 - 0.95 * 0.92, 12);
    expect(risks.get('firm')).toBe(0);
    expect(risks.get('stuck')).toBe(0);
  });

  it('reads no chance where a site’s peaks are certain', () => {
    const surprise = surprisePeaks([{ id: 'b', peak: [0, 1] }]);
    expect([surprise('b', 0), surprise('b', 1), surprise('elsewhere', 0)]).toEqual([0, 0, 0]);
  });
});
