import { DateTime, IANAZone } from 'luxon';
import { gaussian, seededRandom } from '../seeded-random.js';
import { HOUR_MS } from '../time/hours.js';

/** A local-time window such as 17:00–22:00, every day or on weekdays only. */
export interface PeakWindow {
  from: string;
  to: string;
  days?: 'every-day' | 'weekdays';
}

/**
 * Peak flags for `hours` UTC hours from `start`, from local-time windows in `timeZone`.
 * Each UTC hour is judged by its local start time, so on DST days (23 or 25 local hours) the
 * windows still cover the right wall-clock hours.
 */
export function peakFromWindows(
  start: DateTime,
  hours: number,
  timeZone: string,
  windows: readonly PeakWindow[],
): Uint8Array {
  const flags = new Uint8Array(hours);
  const parsed = windows.map((w) => ({
    from: minutes(w.from),
    to: minutes(w.to),
    weekdaysOnly: w.days === 'weekdays',
  }));
  const local = localHours(start, hours, timeZone);
  for (let h = 0; h < hours; h++) {
    const minute = local.minuteOfDay[h];
    const weekday = local.weekday[h] <= 5;
    for (const w of parsed) {
      if (w.weekdaysOnly && !weekday) continue;
      const inside = w.from <= w.to ? minute >= w.from && minute < w.to : minute >= w.from || minute < w.to;
      if (inside) flags[h] = 1;
    }
  }
  return flags;
}

/**
 * Peak flags derived from a load forecast: hours whose load is within `withinFraction` of the
 * maximum load of the same local day (in `timeZone`).
 */
export function peakFromLoad(
  start: DateTime,
  loadMw: ArrayLike<number>,
  timeZone: string,
  withinFraction: number,
): Uint8Array {
  const flags = new Uint8Array(loadMw.length);
  const dayOf = localHours(start, loadMw.length, timeZone).day;
  const dayMax = new Map<number, number>();
  dayOf.forEach((day, h) => dayMax.set(day, Math.max(dayMax.get(day) ?? -Infinity, loadMw[h])));
  dayOf.forEach((day, h) => {
    if (loadMw[h] >= dayMax.get(day)! * (1 - withinFraction)) flags[h] = 1;
  });
  return flags;
}

/** Draws behind `peakChanceFromLoad`: chances to about ±0.035 (one standard error at 0.5), cheap beside a plan. */
const PEAK_CHANCE_DRAWS = 200;
/**
 * Load forecast errors of neighbouring hours move together (the weather behind them does): drawn as AR(1) along the
 * day with this coefficient, as the replay's error model draws them (src/replay/forecast-error.ts).
 */
export const LOAD_ERROR_AUTOCORRELATION = 0.9;

/**
 * The chance that each hour turns out a load-derived peak (within `withinFraction` of its local day's maximum)
 * when the load forecast of hour h is off by a relative error of standard deviation `sigma[h]` (0: the load is
 * known, as for past hours). Where every hour of a day is known the chances are `peakFromLoad`'s flags. Drawn with a
 * seeded generator: the same forecast always gives the same chances (plans stay reproducible).
 */
export function peakChanceFromLoad(
  start: DateTime,
  loadMw: ArrayLike<number>,
  sigma: ArrayLike<number>,
  timeZone: string,
  withinFraction: number,
): Float64Array {
  return peakDrawsFromLoad(start, loadMw, sigma, timeZone, withinFraction).chance;
}

/**
 * `peakChanceFromLoad`'s chances and the draws behind them: `draws[d][h]` is 1 where hour h is a peak in draw d
 * (`chance[h]` is the share of draws in which it is). Hours of a draw are joint, as its load errors are, so a
 * question about several hours at once (how many of a job's hours turn peak) is answered by counting draws, not by
 * multiplying chances. Hours of a day whose load is known are its `peakFromLoad` flags in every draw.
 */
export function peakDrawsFromLoad(
  start: DateTime,
  loadMw: ArrayLike<number>,
  sigma: ArrayLike<number>,
  timeZone: string,
  withinFraction: number,
): { chance: Float64Array; draws: Uint8Array[] } {
  const flags = peakFromLoad(start, loadMw, timeZone, withinFraction);
  const chance = Float64Array.from(flags);
  const draws = Array.from({ length: PEAK_CHANCE_DRAWS }, () => flags.slice());
  const dayOf = localHours(start, loadMw.length, timeZone).day;
  const days = new Map<number, number[]>();
  dayOf.forEach((day, h) => days.set(day, [...(days.get(day) ?? []), h]));
  const innovation = Math.sqrt(1 - LOAD_ERROR_AUTOCORRELATION ** 2);
  for (const [day, hours] of days) {
    if (hours.every((h) => !(sigma[h] > 0))) continue;
    const random = seededRandom(day);
    const peaks = new Float64Array(hours.length);
    const drawn = new Float64Array(hours.length);
    // Plain loops, no closure per draw: this runs for 200 draws of every zone's days in every re-plan.
    for (let draw = 0; draw < PEAK_CHANCE_DRAWS; draw++) {
      let error = gaussian(random);
      let max = -Infinity;
      for (let k = 0; k < hours.length; k++) {
        const h = hours[k];
        if (k > 0) error = LOAD_ERROR_AUTOCORRELATION * error + innovation * gaussian(random);
        drawn[k] = loadMw[h] * (1 + (sigma[h] > 0 ? sigma[h] : 0) * error);
        max = Math.max(max, drawn[k]);
      }
      const line = max * (1 - withinFraction);
      const peaksOfDraw = draws[draw];
      for (let k = 0; k < hours.length; k++) {
        const peak = drawn[k] >= line ? 1 : 0;
        peaksOfDraw[hours[k]] = peak;
        peaks[k] += peak;
      }
    }
    hours.forEach((h, k) => (chance[h] = peaks[k] / PEAK_CHANCE_DRAWS));
  }
  return { chance, draws };
}

/**
 * Wall-clock facts of each UTC hour from `start` in `timeZone`: minute of the local day, ISO
 * weekday (1 = Monday) and local day number. One offset lookup per hour (luxon's IANAZone), not a
 * DateTime per hour: peak flags for a month of hours are computed on every re-plan and dashboard read.
 */
function localHours(
  start: DateTime,
  hours: number,
  timeZone: string,
): { minuteOfDay: Int32Array; weekday: Int32Array; day: Int32Array } {
  const offsetAt = zoneOffsets(timeZone);
  const minuteOfDay = new Int32Array(hours);
  const weekday = new Int32Array(hours);
  const day = new Int32Array(hours);
  for (let h = 0; h < hours; h++) {
    const utcMs = start.toMillis() + h * HOUR_MS;
    const localMinutes = Math.floor(utcMs / 60_000) + offsetAt(utcMs);
    day[h] = Math.floor(localMinutes / 1440);
    minuteOfDay[h] = localMinutes - day[h] * 1440;
    // Day 0 (1970-01-01) was a Thursday, ISO weekday 4.
    weekday[h] = ((((day[h] + 3) % 7) + 7) % 7) + 1;
  }
  return { minuteOfDay, weekday, day };
}

/** Offsets remembered per zone at most (about five years of hours); then the zone's memory starts again. */
const OFFSETS_KEPT = 50_000;
const offsetsByZone = new Map<string, Map<number, number>>();

/**
 * The zone's UTC offset in minutes at an instant, remembered: luxon asks `Intl.DateTimeFormat` each time, and the
 * rolling replay of the replay example spent a fifth of its time there (every re-plan works out its zones' peak hours
 * for the hours ahead, nearly all of them asked before).
 */
function zoneOffsets(timeZone: string): (utcMs: number) => number {
  const zone = IANAZone.create(timeZone);
  let known = offsetsByZone.get(timeZone);
  if (!known || known.size > OFFSETS_KEPT) offsetsByZone.set(timeZone, (known = new Map<number, number>()));
  const offsets = known;
  return (utcMs) => {
    let offset = offsets.get(utcMs);
    if (offset === undefined) offsets.set(utcMs, (offset = zone.offset(utcMs)));
    return offset;
  };
}

function minutes(hhmm: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match || Number(match[1]) > 24 || Number(match[2]) > 59)
    throw new Error(`"${hhmm}" is not a time of day (HH:mm)`);
  return Number(match[1]) * 60 + Number(match[2]);
}
