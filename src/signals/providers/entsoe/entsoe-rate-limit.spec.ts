import { seededRandom } from '../../../domain/seeded-random.js';
import { limiterFor, tightest } from './entsoe-rate-limit.js';

/**
 * BullMQ's limiter as its Lua scripts count (prepareJobForProcessing, getRateLimitTTL): a counter
 * that starts a window of `duration` ms at the first job after the last window expired, and lets at
 * most `max` jobs through in it. Greedy workers take a permit as soon as one is allowed; each request
 * goes out up to `maxDelayMs` after its permit. Returns the send times.
 */
function simulate(max: number, duration: number, permits: number, maxDelayMs: number, seed: number): number[] {
  const random = seededRandom(seed);
  const sends: number[] = [];
  let [windowStart, count, t] = [-Infinity, 0, 0];
  while (sends.length < permits) {
    if (t >= windowStart + duration) [windowStart, count] = [t, 0];
    if (count < max) {
      count++;
      sends.push(t + random() * maxDelayMs);
      t += random() * 5; // the next permit asked for within 5 ms
    } else t = windowStart + duration;
  }
  return sends.sort((a, b) => a - b);
}

function busiestWindow(sends: number[], windowMs: number): number {
  let [most, first] = [0, 0];
  for (let last = 0; last < sends.length; last++) {
    while (sends[last] - sends[first] >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe('limiterFor: a BullMQ limiter that keeps a budget in any window', () => {
  it("ENTSO-E's 400 a minute: 66 per 15 s", () => {
    expect(limiterFor(400, 60_000)).toEqual({ max: 66, duration: 15_000 });
  });

  it.each([
    [400, 60_000],
    [12, 4_000],
    [6, 1_000],
    [1000, 60_000],
  ])('%i per %i ms holds in every sliding window, with permits sent up to a quarter window late', (requests, w) => {
    const { max, duration } = limiterFor(requests, w);
    for (const seed of [1, 2, 3]) {
      const sends = simulate(max, duration, requests * 5, duration, seed);
      expect(busiestWindow(sends, w)).toBeLessThanOrEqual(requests);
    }
    // The same budget as one BullMQ window per period lets about twice through around a window's end.
    const naive = simulate(requests, w, requests * 5, 0, 1);
    expect(busiestWindow(naive, w)).toBeGreaterThan(requests);
  });

  it('the tightest of several budgets is the lowest rate', () => {
    const budgets = [
      { requests: 400, windowMs: 60_000 },
      { requests: 100, windowMs: 10_000 },
      { requests: 300, windowMs: 60_000 },
    ];
    expect(tightest(budgets)).toEqual({ requests: 300, windowMs: 60_000 });
    expect(tightest([])).toBeUndefined();
  });
});
