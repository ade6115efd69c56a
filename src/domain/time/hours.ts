/** One hour in epoch milliseconds: the step of the plan, the signals and the energy meter. */
export const HOUR_MS = 3_600_000;
/** One day (24 hours: UTC has no daylight saving) in epoch milliseconds. */
export const DAY_MS = 24 * HOUR_MS;

/** The start of the UTC hour holding `ms` (epoch ms). */
export function hourStartMs(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** Whether `ms` (epoch ms) is the start of an hour. */
export function isHourStart(ms: number): boolean {
  return ms % HOUR_MS === 0;
}
