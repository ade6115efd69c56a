import fc from 'fast-check';
import { cheapestHours, cheapestRun, earliestHours, earliestRun, segmentCount, Selection } from './slot-selection.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

const U = Infinity; // an unavailable hour: GPUs taken or an import cap reached

/** Hours the job would take, as a plain array (the selection writes into a shared buffer). */
const hoursOf = (selection: Selection | undefined) =>
  selection && Array.from(selection.hours.subarray(0, selection.count));

/** Calls a selector on a plain cost array with buffers as large as the array. */
function select(costs: number[], from: number, to: number, k: number) {
  const cost = Float64Array.from(costs);
  const out = () => new Int32Array(Math.max(1, costs.length));
  return {
    cheapestHours: cheapestHours(cost, from, to, k, new Float64Array(Math.max(1, costs.length)), out()),
    cheapestRun: cheapestRun(cost, from, to, k, out()),
    earliestRun: earliestRun(cost, from, to, k, out()),
    earliestHours: earliestHours(cost, from, to, k, out()),
  };
}

// Brute-force oracles: every candidate is tried, nothing is clever.

/** Finite-cost hours of [from, to) sorted by cost, then hour; the first k of them, ascending. */
function oracleCheapestHours(costs: number[], from: number, to: number, k: number): number[] | undefined {
  const free: number[] = [];
  for (let h = from; h < to; h++) if (costs[h] !== U) free.push(h);
  if (free.length < k) return undefined;
  return free
    .sort((a, b) => costs[a] - costs[b] || a - b)
    .slice(0, k)
    .sort((a, b) => a - b);
}

/** Every run of k consecutive finite-cost hours inside [from, to), in order of start. */
function runsOf(costs: number[], from: number, to: number, k: number): { start: number; cost: number }[] {
  const runs: { start: number; cost: number }[] = [];
  for (let start = from; start + k <= to; start++) {
    const hours = costs.slice(start, start + k);
    if (hours.every((c) => c !== U)) runs.push({ start, cost: hours.reduce((a, b) => a + b, 0) });
  }
  return runs;
}

const range = (start: number, k: number) => Array.from({ length: k }, (_, i) => start + i);
const sum = (costs: number[], hours: number[]) => hours.reduce((total, h) => total + costs[h], 0);

/** Cost arrays with Infinity holes (one hour in five); `value` draws the finite costs. */
const costArray = (value: fc.Arbitrary<number>) =>
  fc.array(fc.oneof({ arbitrary: value, weight: 4 }, { arbitrary: fc.constant(U), weight: 1 }), {
    minLength: 4,
    maxLength: 30,
  });

/**
 * A cost array, a window [from, to) inside it, and a number of hours k from 1 to one more than the
 * window holds: most queries have an answer, some have none.
 */
const query = (value: fc.Arbitrary<number>) =>
  costArray(value).chain((costs) =>
    fc.integer({ min: 0, max: costs.length - 1 }).chain((from) =>
      fc.integer({ min: from + 1, max: costs.length }).chain((to) =>
        fc.record({
          costs: fc.constant(costs),
          window: fc.constant([from, to] as const),
          k: fc.integer({ min: 1, max: Math.min(6, to - from + 1) }),
        }),
      ),
    ),
  );

/** Few distinct costs, so ties are common and sums are exact. */
const tiedCosts = query(fc.integer({ min: 0, max: 4 }));
const anyCosts = query(fc.double({ min: 0, max: 100, noNaN: true }));
/** Runs per property; each asserts that at least half of them had an answer to compare. */
const RUNS = 400;

describe('slot selection: segments', () => {
  it('counts one segment per unbroken run of hours at one site', () => {
    expect(segmentCount(Int32Array.of(), 0)).toBe(0);
    expect(segmentCount(Int32Array.of(7), 1)).toBe(1);
    expect(segmentCount(Int32Array.of(3, 4, 5), 3)).toBe(1);
    expect(segmentCount(Int32Array.of(3, 4, 6, 7, 9), 5)).toBe(3); // gaps after 4 and after 7
  });

  it('starts a new segment where the job moves to another site, even without a gap', () => {
    expect(segmentCount(Int32Array.of(3, 4, 5, 6), 4, Int32Array.of(0, 0, 1, 1))).toBe(2);
    expect(segmentCount(Int32Array.of(3, 4, 5, 6), 4, Int32Array.of(0, 1, 0, 1))).toBe(4);
    expect(segmentCount(Int32Array.of(3, 4, 5, 6), 4, Int32Array.of(1, 1, 1, 1))).toBe(1);
  });

  it('looks only at the first `count` hours of the buffer', () => {
    expect(segmentCount(Int32Array.of(3, 4, 9, 12), 2)).toBe(1);
  });

  it('agrees with counting the breaks one by one, for any sorted hours and sites', () => {
    const selection = fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 20 }).chain((hours) =>
      fc.record({
        hours: fc.constant(hours.sort((a, b) => a - b)),
        sites: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: hours.length, maxLength: hours.length }),
        count: fc.integer({ min: 0, max: hours.length }),
      }),
    );
    fc.assert(
      fc.property(selection, ({ hours, sites, count }) => {
        const startsSegment = (i: number, moves: boolean) =>
          i === 0 || hours[i] !== hours[i - 1] + 1 || (moves && sites[i] !== sites[i - 1]);
        const breaks = (moves: boolean) => range(0, count).filter((i) => startsSegment(i, moves)).length;
        expect(segmentCount(Int32Array.from(hours), count)).toBe(breaks(false));
        expect(segmentCount(Int32Array.from(hours), count, Int32Array.from(sites))).toBe(breaks(true));
      }),
      propertyParameters(101, RUNS),
    );
  });
});

describe('slot selection: the k cheapest hours anywhere in the window', () => {
  it('takes the cheapest available hours, ties to the earliest, and reports their cost', () => {
    const costs = [5, U, 1, 1, 3, 1, 0];
    expect(hoursOf(select(costs, 0, 7, 1).cheapestHours)).toEqual([6]);
    expect(hoursOf(select(costs, 0, 7, 3).cheapestHours)).toEqual([2, 3, 6]); // three hours cost 1: the first two
    expect(select(costs, 0, 7, 3).cheapestHours?.cost).toBe(2);
    expect(hoursOf(select(costs, 0, 7, 6).cheapestHours)).toEqual([0, 2, 3, 4, 5, 6]); // every available hour
  });

  it('never takes an unavailable hour or one outside the window, however cheap', () => {
    expect(hoursOf(select([0, 0, 9, U, 8, 0], 2, 5, 2).cheapestHours)).toEqual([2, 4]);
  });

  it('finds nothing when fewer than k hours are available', () => {
    expect(select([1, U, 1, U], 0, 4, 3).cheapestHours).toBeUndefined();
    expect(select([1, 1, 1, 1], 1, 3, 3).cheapestHours).toBeUndefined();
  });

  it('matches sorting every available hour by cost then hour (many ties)', () => {
    let found = 0;
    let missing = 0;
    fc.assert(
      fc.property(tiedCosts, ({ costs, window: [from, to], k }) => {
        const picked = select(costs, from, to, k).cheapestHours;
        const expected = oracleCheapestHours(costs, from, to, k);
        expect(hoursOf(picked)).toEqual(expected);
        if (expected) expect(picked?.cost).toBe(sum(costs, expected));
        if (expected) found++;
        else missing++;
      }),
      propertyParameters(102, RUNS),
    );
    // Both answers are compared: a selection, and none when fewer than k hours are available.
    expect(found).toBeGreaterThanOrEqual(RUNS / 2);
    expect(missing).toBeGreaterThanOrEqual(RUNS / 10);
  });

  it('matches sorting every available hour by cost then hour (any real costs)', () => {
    let found = 0;
    fc.assert(
      fc.property(anyCosts, ({ costs, window: [from, to], k }) => {
        const picked = select(costs, from, to, k).cheapestHours;
        const expected = oracleCheapestHours(costs, from, to, k);
        expect(hoursOf(picked)).toEqual(expected);
        if (expected) expect(picked?.cost).toBe(sum(costs, expected));
        if (expected) found++;
      }),
      propertyParameters(103, RUNS),
    );
    expect(found).toBeGreaterThanOrEqual(RUNS / 2);
  });
});

describe('slot selection: runs of consecutive hours', () => {
  it('takes the cheapest run of k hours, ties to the earliest', () => {
    const costs = [1, 1, U, 0, 0, 5, 0, 0];
    expect(hoursOf(select(costs, 0, 8, 2).cheapestRun)).toEqual([3, 4]); // 6–7 costs 0 too, but starts later
    expect(select(costs, 0, 8, 2).cheapestRun?.cost).toBe(0);
    expect(hoursOf(select(costs, 0, 8, 3).cheapestRun)).toEqual([3, 4, 5]);
  });

  it('restarts the run after an unavailable hour: no run spans it', () => {
    // Hours 0, 1, 3 and 4 are free and cheap, but no three of them are consecutive.
    expect(select([0, 0, U, 0, 0], 0, 5, 3).cheapestRun).toBeUndefined();
    expect(select([0, 0, U, 0, 0], 0, 5, 3).earliestRun).toBeUndefined();
    expect(hoursOf(select([0, 0, U, 9, 9, 9], 0, 6, 3).cheapestRun)).toEqual([3, 4, 5]);
  });

  it('takes the first run of k available hours, whatever it costs', () => {
    const costs = [0, U, 5, 5, U, 0, 0];
    expect(hoursOf(select(costs, 0, 7, 2).earliestRun)).toEqual([2, 3]);
    expect(select(costs, 0, 7, 2).earliestRun?.cost).toBe(10);
    expect(hoursOf(select(costs, 3, 7, 2).earliestRun)).toEqual([5, 6]);
    expect(select(costs, 0, 7, 3).earliestRun).toBeUndefined();
  });

  it('cheapest run matches trying every run (many ties: the earliest cheapest)', () => {
    let found = 0;
    let missing = 0;
    fc.assert(
      fc.property(tiedCosts, ({ costs, window: [from, to], k }) => {
        const picked = select(costs, from, to, k).cheapestRun;
        const runs = runsOf(costs, from, to, k);
        const best = runs.find((r) => r.cost === Math.min(...runs.map((other) => other.cost)));
        expect(hoursOf(picked)).toEqual(best && range(best.start, k));
        expect(picked?.cost).toBe(best?.cost);
        if (best) found++;
        else missing++;
      }),
      propertyParameters(104, RUNS),
    );
    expect(found).toBeGreaterThanOrEqual(RUNS / 2);
    expect(missing).toBeGreaterThanOrEqual(RUNS / 10);
  });

  it('cheapest run costs no more than any run of k available hours (any real costs)', () => {
    let found = 0;
    fc.assert(
      fc.property(anyCosts, ({ costs, window: [from, to], k }) => {
        const picked = select(costs, from, to, k).cheapestRun;
        const runs = runsOf(costs, from, to, k);
        expect(picked === undefined).toBe(runs.length === 0);
        if (!picked) return;
        const hours = hoursOf(picked)!;
        expect(runs.map((r) => r.start)).toContain(hours[0]); // a real run inside the window
        expect(hours).toEqual(range(hours[0], k));
        expect(picked.cost).toBeCloseTo(sum(costs, hours), 9);
        expect(picked.cost).toBeLessThanOrEqual(Math.min(...runs.map((r) => r.cost)) + 1e-9);
        found++;
      }),
      propertyParameters(105, RUNS),
    );
    expect(found).toBeGreaterThanOrEqual(RUNS / 2);
  });

  it('earliest run matches the first run found by trying every start', () => {
    let found = 0;
    fc.assert(
      fc.property(tiedCosts, ({ costs, window: [from, to], k }) => {
        const picked = select(costs, from, to, k).earliestRun;
        const first = runsOf(costs, from, to, k)[0];
        expect(hoursOf(picked)).toEqual(first && range(first.start, k));
        expect(picked?.cost).toBe(first?.cost);
        if (first) found++;
      }),
      propertyParameters(106, RUNS),
    );
    expect(found).toBeGreaterThanOrEqual(RUNS / 2);
  });
});

describe('slot selection: the first k available hours', () => {
  it('takes the first k available hours of the window, gaps allowed', () => {
    expect(hoursOf(select([9, U, 9, U, 0, 0], 0, 6, 3).earliestHours)).toEqual([0, 2, 4]);
    expect(select([9, U, 9, U, 0, 0], 0, 6, 3).earliestHours?.cost).toBe(18);
    expect(select([9, U, 9, U, 0, 0], 1, 6, 4).earliestHours).toBeUndefined();
  });

  it('matches filtering the window for available hours', () => {
    let found = 0;
    fc.assert(
      fc.property(tiedCosts, ({ costs, window: [from, to], k }) => {
        const free = range(from, to - from).filter((h) => costs[h] !== U);
        const expected = free.length >= k ? free.slice(0, k) : undefined;
        const picked = select(costs, from, to, k).earliestHours;
        expect(hoursOf(picked)).toEqual(expected);
        expect(picked?.cost).toBe(expected && sum(costs, expected));
        if (expected) found++;
      }),
      propertyParameters(107, RUNS),
    );
    expect(found).toBeGreaterThanOrEqual(RUNS / 2);
  });
});
