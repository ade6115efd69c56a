import { HOUR_MS, hourStartMs } from '../../domain/time/hours.js';

/** A provider's value over [startMs, startMs + stepMs). */
export interface Interval {
  startMs: number;
  stepMs: number;
  value: number;
}

/**
 * Averages intervals into UTC hours. `whole`: an hour is kept only if its intervals cover all of
 * it (MW averaged over the hour, as ENTSO-E's PT15M quarter-hours into PT60M); otherwise an hour
 * takes the time-weighted mean of what covers it (an intensity: WattTime's and Electricity Maps'
 * last, partly covered hour still says what a kWh then emits). Overlapping intervals: the later
 * one in the list wins.
 */
export function hourlyMeans(intervals: readonly Interval[], whole: boolean): Map<number, number> {
  const slots = new Map<number, Interval>();
  for (const interval of intervals) slots.set(interval.startMs, interval);
  const sums = new Map<number, { weighted: number; covered: number }>();
  for (const { startMs, stepMs, value } of slots.values()) {
    // A step longer than an hour (PT1D is not used here) is cut at each hour boundary.
    for (let t = startMs; t < startMs + stepMs;) {
      const hour = hourStartMs(t);
      const end = Math.min(startMs + stepMs, hour + HOUR_MS);
      const sum = sums.get(hour) ?? { weighted: 0, covered: 0 };
      sum.weighted += value * (end - t);
      sum.covered += end - t;
      sums.set(hour, sum);
      t = end;
    }
  }
  const means = new Map<number, number>();
  for (const [hour, { weighted, covered }] of [...sums].sort(([a], [b]) => a - b)) {
    if (whole && covered < HOUR_MS) continue;
    means.set(hour, weighted / covered);
  }
  return means;
}
