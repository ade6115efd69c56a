import fc from 'fast-check';
import { DateTime } from 'luxon';
import { peakDrawsFromLoad } from '../energy/peak-hours.js';
import {
  chanceOfMoreThan,
  lateRisk,
  planLateRisks,
  RiskPlanJob,
  SitePeakDraws,
  surprisePeaks,
} from './lateness-risk.js';
import type { JobPlan } from './plan-types.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

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
      propertyParameters(611),
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

describe('lateRisk over joint draws', () => {
  /** Draws over hours 0–3 from rows of 0/1 (one row a draw), at every site. */
  const drawsOf = (rows: number[][]) => () => rows.map((row) => Uint8Array.from(row));
  const shareOf = (rows: number[][]) => (_site: string, hour: number) =>
    rows.reduce((sum, row) => sum + row[hour], 0) / rows.length;
  // 4 draws: in one, all four hours turn peak together; in the others none does. Each hour's chance is 0.25.
  const together = [
    [1, 1, 1, 1],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ];

  it('is the share of draws with more peaks than room: 0.25 where independence gives 1 − 0.75⁴ with no room', () => {
    const risk = (deadlineHour: number, draws: SitePeakDraws = drawsOf(together)) =>
      lateRisk(deferrable(deadlineHour), { segments: [seg(0, 4)] }, START, shareOf(together), draws);
    expect(risk(4)).toBe(0.25);
    expect(risk(4, () => undefined)).toBeCloseTo(1 - 0.75 ** 4, 12);
    // Two and three hours of room: the draw in which all four turn peak is still late; independence says 0.05, 0.004.
    expect(risk(6)).toBe(0.25);
    expect(risk(7)).toBe(0.25);
    expect(risk(6, () => undefined)).toBeCloseTo(chanceOfMoreThan([0.25, 0.25, 0.25, 0.25], 2), 12);
    expect(risk(8)).toBe(0);
  });

  it('counts only hours that can surprise, each at its own site with the same draw index', () => {
    // Site a peaks in draws 0 and 1 at hour 0; site b in draws 1 and 2 at hour 1; hour 2 at a is planned as a peak.
    const bySite: Record<string, number[][]> = {
      a: [
        [1, 0, 1],
        [1, 0, 1],
        [0, 0, 1],
        [0, 0, 1],
      ],
      b: [
        [0, 0, 0],
        [0, 1, 0],
        [0, 1, 0],
        [0, 0, 0],
      ],
    };
    const surprise = (site: string, hour: number) =>
      site === 'a' && hour === 2 ? 0 : shareOf(bySite[site])(site, hour);
    const drawsAt = (site: string) => bySite[site]?.map((row) => Uint8Array.from(row));
    const segments = [seg(0, 1, 'a'), seg(1, 2, 'b'), seg(2, 3, 'a')];
    // No room: late in draws 0, 1 and 2. An hour of room: late only in draw 1, where both turn peak.
    expect(lateRisk(deferrable(3), { segments }, START, surprise, drawsAt)).toBe(0.75);
    expect(lateRisk(deferrable(4), { segments }, START, surprise, drawsAt)).toBe(0.25);
  });

  it('falls back to independent chances where an hour that can surprise has no draws', () => {
    const drawsAt = (site: string) => (site === 'a' ? drawsOf(together)() : undefined);
    const segments = [seg(0, 2, 'a'), seg(2, 4, 'b')];
    const risk = lateRisk(deferrable(4), { segments }, START, shareOf(together), drawsAt);
    expect(risk).toBeCloseTo(1 - 0.75 ** 4, 12);
  });
});

describe('lateRisk against a brute-force count over peakDrawsFromLoad’s draws', () => {
  // A local day of 30 GW with 41 GW at 06:00–10:00 (the hours a job is planned in) and 50 GW at 18:00; a peak is
  // within 10% of the day's maximum; load errors of 5% from 06:00 on (the e2e's day).
  const start = DateTime.fromISO('2026-03-02T00:00', { zone: 'Europe/Berlin' });
  const load = Array.from({ length: 24 }, (_, h) => (h === 18 ? 50 : h >= 6 && h < 10 ? 41 : 30));
  const sigma = Array.from({ length: 24 }, (_, h) => (h >= 6 ? 0.05 : 0));
  const { chance, draws } = peakDrawsFromLoad(start, load, sigma, 'Europe/Berlin', 0.1);
  const dayStart = start.toUTC();
  const planned = { segments: [seg(6, 10)] };
  const risk = (room: number, drawsAt: () => Uint8Array[] | undefined = () => draws) =>
    lateRisk(
      { deadline: dayStart.plus({ hours: 10 + room }), movedByPeaks: true },
      planned,
      dayStart,
      (_site, h) => chance[h],
      drawsAt,
    );
  /** The definition: in how many draws more than `room` of hours 06–09 are peaks. */
  const brute = (room: number) =>
    draws.filter((drawn) => [6, 7, 8, 9].filter((h) => drawn[h] === 1).length > room).length / draws.length;

  it('the chances are the draws’ shares, and off-peak (under the 10% line) at 06:00–10:00', () => {
    for (let h = 0; h < 24; h++) expect(chance[h]).toBe(draws.filter((d) => d[h] === 1).length / draws.length);
    for (const h of [6, 7, 8, 9]) {
      expect(chance[h]).toBeGreaterThan(0);
      expect(chance[h]).toBeLessThan(0.1);
    }
  });

  it('matches the count for each room, where independence errs high with none and low with some', () => {
    for (const room of [0, 1, 2, 3, 4]) expect(risk(room)).toBe(brute(room));
    // These draws: no room 0.06 joint against 0.155 independent; 1 h 0.045 against 0.0096; 2 h 0.035 against 0.00026.
    const independent = (room: number) => risk(room, () => undefined);
    expect(independent(0)).toBeGreaterThan(1.5 * risk(0));
    expect(independent(1)).toBeLessThan(risk(1) / 2);
    expect(independent(2)).toBeLessThan(risk(2) / 10);
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
      propertyParameters(612),
    );
  });

  const draws = fc.array(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 40, maxLength: 40 }), {
    minLength: 1,
    maxLength: 12,
  });

  it('over joint draws: within [0, 1], does not rise as the deadline moves later, and counts the draws', () => {
    fc.assert(
      fc.property(
        planned,
        draws,
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 10 }),
        (segments, rows, deadlineHour, later) => {
          // The chances are the draws' shares, as peakDrawsFromLoad makes them.
          const chance = (_site: string, hour: number) => rows.reduce((sum, row) => sum + row[hour], 0) / rows.length;
          const drawsAt = () => rows;
          const risk = (hour: number) => lateRisk(deferrable(hour), { segments }, START, chance, drawsAt);
          const before = risk(deadlineHour);
          const after = risk(deadlineHour + later);
          expect(before).toBeGreaterThanOrEqual(0);
          expect(before).toBeLessThanOrEqual(1);
          expect(after).toBeLessThanOrEqual(before);
          const lastEnd = segments[segments.length - 1].endHour;
          const hours = segments.flatMap((s) =>
            Array.from({ length: s.endHour - s.startHour }, (_, k) => s.startHour + k),
          );
          const room = deadlineHour - lastEnd;
          const brute =
            room < 0 ? 1 : rows.filter((row) => hours.filter((h) => row[h]).length > room).length / rows.length;
          expect(before).toBeCloseTo(brute, 12);
        },
      ),
      propertyParameters(613),
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

  it('counts the sites’ joint draws where they have them', () => {
    // Hours 0 and 2 turn peak together in one draw of four (chances 0.25 each); hour 1 is planned as a peak.
    const drawn = [
      [1, 1, 1],
      [0, 1, 0],
      [0, 0, 0],
      [0, 1, 0],
    ].map((row) => Uint8Array.from(row));
    const withDraws = [{ id: 'a', peak: [0, 1, 0], peakChance: [0.25, 0.75, 0.25], peakDraws: drawn }];
    const plan = { start: START.toISO()!, jobs: [part('tight', 0, 3)] };
    const risks = planLateRisks(plan, new Map([['tight', job(3)]]), withDraws);
    // Independent: 1 − 0.75² = 0.4375.
    expect(risks.get('tight')).toBe(0.25);
  });

  it('reads no chance where a site’s peaks are certain', () => {
    const surprise = surprisePeaks([{ id: 'b', peak: [0, 1] }]);
    expect([surprise('b', 0), surprise('b', 1), surprise('elsewhere', 0)]).toEqual([0, 0, 0]);
  });
});
