import { DateTime } from 'luxon';
import { peakDrawsFromLoad, peakFromLoad, peakFromWindows, PeakWindow } from '../energy/peak-hours.js';
import { siteGreenMw, SupplyContract } from '../energy/site-supply.js';
import { jobPowerMw } from '../energy/power.js';
import { HOUR_MS, hourStartMs } from '../time/hours.js';
import type { HourSignal } from './forecast.js';
import { eventsByHour, GridEvent } from './grid-event.js';

export interface PeakRules {
  windows?: readonly PeakWindow[];
  loadWithin?: number;
}

/** A zone's effective hourly series over [start, start + hours); hours without forecast are absent. */
export interface ZoneSeries {
  start: DateTime;
  hours: number;
  /** Index h holds the forecast for hour h, or undefined. */
  values: (HourSignal | undefined)[];
}

/**
 * Peak flags of a zone from its rules: local-time windows and/or hours near the day's maximum
 * load. Hours without a load forecast are never load-derived peaks. `days`, the same series over
 * whole local days (see `wholeLocalDays`), is what a load-derived peak is judged against: without it, a range that
 * starts at 21:00 judges the evening by its own maximum, and the night's hours come out as peaks.
 */
export function zonePeaks(series: ZoneSeries, timeZone: string, rules: PeakRules = {}, days?: ZoneSeries): Uint8Array {
  const peaks = rules.windows?.length
    ? peakFromWindows(series.start, series.hours, timeZone, rules.windows)
    : new Uint8Array(series.hours);
  if (rules.loadWithin !== undefined) {
    const { context, offset, load } = loadContext(series, days);
    const flags = peakFromLoad(context.start, load, timeZone, rules.loadWithin);
    for (let h = 0; h < series.hours; h++) if (flags[offset + h] && series.values[h]) peaks[h] = 1;
  }
  return peaks;
}

/**
 * The relative standard deviation of a zone's load forecast at a lead: ℓ for the hour [t + ℓ − 1, t + ℓ) of a
 * series starting at hour t (1 for its first hour).
 */
export type LoadForecastError = (leadHours: number) => number;

/**
 * The chance that each hour is a peak, for a series forecast at its start hour: 1 or 0 in local-time windows and
 * where the load is known; for load-derived peaks judged on forecast load, the chance the hour turns out within
 * `loadWithin` of its day's maximum given the forecast's error at that lead (`peakChanceFromLoad`). The hours of
 * `days` before the series' start are past: their load is known.
 */
export function zonePeakChance(
  series: ZoneSeries,
  timeZone: string,
  rules: PeakRules,
  loadError: LoadForecastError,
  days?: ZoneSeries,
): Float64Array {
  return zonePeakDraws(series, timeZone, rules, loadError, days).chance;
}

/**
 * `zonePeakChance` and the draws behind it over the series' hours (`peakDrawsFromLoad`): `draws[d][h]` is 1 where
 * hour h is a peak in draw d, windows' hours in every draw. Absent without load-derived peaks (nothing to draw).
 */
export function zonePeakDraws(
  series: ZoneSeries,
  timeZone: string,
  rules: PeakRules,
  loadError: LoadForecastError,
  days?: ZoneSeries,
): { chance: Float64Array; draws?: Uint8Array[] } {
  const windows = zonePeaks(series, timeZone, { windows: rules.windows });
  const chance = Float64Array.from(windows);
  if (rules.loadWithin === undefined) return { chance };
  const { context, offset, load } = loadContext(series, days);
  const sigma = Float64Array.from(load, (_, k) => (k < offset ? 0 : loadError(k - offset + 1)));
  const fromLoad = peakDrawsFromLoad(context.start, load, sigma, timeZone, rules.loadWithin);
  for (let h = 0; h < series.hours; h++)
    if (series.values[h]) chance[h] = Math.max(chance[h], fromLoad.chance[offset + h]);
  const draws = fromLoad.draws.map((drawn) => {
    const peaks = windows.slice();
    for (let h = 0; h < series.hours; h++) if (series.values[h] && drawn[offset + h]) peaks[h] = 1;
    return peaks;
  });
  return { chance, draws };
}

/** The series a load-derived peak is judged against (`days`, else the series), the series' offset in it, its load. */
function loadContext(series: ZoneSeries, days?: ZoneSeries) {
  const context = days ?? series;
  const offset = Math.round((series.start.toMillis() - context.start.toMillis()) / HOUR_MS);
  return { context, offset, load: context.values.map((v) => v?.loadMw ?? 0) };
}

/**
 * The hours [from, from + hours) widened to whole local days in `timeZone` (to whole UTC hours where the zone's
 * offset is not): the range whose load forecast judges load-derived peaks. `offset` is `from`'s index in it.
 */
export function wholeLocalDays(
  from: DateTime,
  hours: number,
  timeZone: string,
): { start: DateTime; hours: number; offset: number } {
  const first = hourStartMs(from.setZone(timeZone).startOf('day').toMillis());
  const last = from.plus({ hours: Math.max(1, hours) - 1 }).setZone(timeZone);
  const end = Math.ceil(last.startOf('day').plus({ days: 1 }).toMillis() / HOUR_MS) * HOUR_MS;
  return {
    start: DateTime.fromMillis(first, { zone: 'utc' }),
    hours: (end - first) / HOUR_MS,
    offset: (from.toMillis() - first) / HOUR_MS,
  };
}

export interface SiteShape {
  gpus: number;
  kwPerGpu: number;
  pue: number;
  supply: SupplyContract;
  importCapMw?: number;
}

/** Green supply available to a site each hour (0 where the zone has no forecast) and its import cap. */
export function siteSupply(series: ZoneSeries, site: SiteShape): { greenMw: Float64Array; importCapMw: Float64Array } {
  const zone = {
    windMw: series.values.map((v) => v?.windMw ?? 0),
    solarMw: series.values.map((v) => v?.solarMw ?? 0),
    hydroMw: series.values.map((v) => v?.hydroMw ?? 0),
    loadMw: series.values.map((v) => v?.loadMw ?? 0),
  };
  return {
    greenMw: siteGreenMw(zone, site.supply, jobPowerMw(site.gpus, site.kwPerGpu, site.pue)),
    importCapMw: new Float64Array(series.hours).fill(site.importCapMw ?? Infinity),
  };
}

/** One site's signals per hour (index h = hour h of the range), as the planner reads them. */
export interface SiteHourSignals {
  greenMw: Float64Array;
  peak: Uint8Array;
  importCapMw: Float64Array;
  pricePerMwh: (number | undefined)[];
  carbonGPerKwh: (number | undefined)[];
  /** Hours from the start up to the last with a forecast: beyond it no renewable supply is assumed. */
  forecastHours: number;
  /**
   * The chance each hour turns out a peak, where the zone's peaks are judged on a load forecast with a known error
   * (`zonePeakChance`); `peak` then marks every hour with at least PEAK_CHANCE_THRESHOLD of it. Absent: `peak` is
   * certain.
   */
  peakChance?: Float64Array;
  /**
   * The joint draws behind `peakChance` (`zonePeakDraws`), the zone's, shared by its sites (read only): a site's own
   * events are not in them, but their hours are in `peak`, which readers of surprises skip.
   */
  peakDraws?: readonly Uint8Array[];
}

/**
 * An hour counts as a peak when it turns out one with at least this chance. Deferrable work then stays out of the
 * hours a load forecast error could make peaks; weighing peaks by their chance instead let small chances decide
 * against green hours (the peak rule outweighs grid energy). 0.1 until session 26 (set on the reference week's replay
 * at 10% forecast error: it kept 78–80% of the perfect-forecast saving, 0.25 68–72%, 0.4 54–61%, the forecast's own
 * verdict 39–66%). On the planner since the warm start 0.05 keeps more at 10% error: 0.85 against 0.83 (reference
 * week) and 0.85 against 0.84 (replay example, worst seed 0.85 against 0.79), no deadline missed at 10% or 20%; it
 * costs the example at 20% (0.71 against 0.78 kept). docs/replay.md has the table.
 */
export const PEAK_CHANCE_THRESHOLD = 0.05;

export interface ZoneRules {
  timeZone: string;
  peak?: PeakRules;
}

/**
 * Each site's signals from its zone's series and the grid events in force: green supply from the
 * forecast and the site's contract; peak from the zone's rules and events; the tightest import
 * cap of config and events; price and carbon from events, else the forecast. The service and the
 * replay both read signals through here; `days` is the series over whole local days (see `zonePeaks`); `loadError`,
 * the load forecast's error by lead, makes load-derived peaks every hour with PEAK_CHANCE_THRESHOLD chance of one.
 */
export function zoneSiteSignals<S extends SiteShape & { id: string }>(
  series: ZoneSeries,
  zone: ZoneRules,
  sites: readonly S[],
  events: readonly GridEvent[] = [],
  days?: ZoneSeries,
  loadError?: LoadForecastError,
): {
  zonePeak: Uint8Array;
  zonePeakChance?: Float64Array;
  zonePeakDraws?: readonly Uint8Array[];
  sites: { id: string; signals: SiteHourSignals }[];
} {
  const from = series.start.toMillis();
  // Where the load forecast's error is known, an hour whose load may well make it a peak is one.
  const judged =
    loadError && zone.peak?.loadWithin !== undefined
      ? zonePeakDraws(series, zone.timeZone, zone.peak, loadError, days)
      : undefined;
  const chance = judged?.chance;
  const zonePeak = chance
    ? Uint8Array.from(chance, (p) => (p >= PEAK_CHANCE_THRESHOLD ? 1 : 0))
    : zonePeaks(series, zone.timeZone, zone.peak, days);
  // Zone-wide events (no site list) mark the zone's hours too.
  const zoneEventPeak = eventsByHour(
    events.filter((e) => !e.sites),
    '',
    from,
    series.hours,
  ).peak;
  zoneEventPeak.forEach((flag, h) => flag && (zonePeak[h] = 1));
  // A zone-wide event's peak is certain: a peak in every draw.
  const draws = judged?.draws;
  draws?.forEach((drawn) => zoneEventPeak.forEach((flag, h) => flag && (drawn[h] = 1)));
  return {
    zonePeak,
    // The zone's own chance: a zone-wide event's peak is certain.
    zonePeakChance: chance?.map((p, h) => (zoneEventPeak[h] ? 1 : p)),
    zonePeakDraws: draws,
    sites: sites.map((site) => {
      const supply = siteSupply(series, site);
      const fromEvents = eventsByHour(events, site.id, from, series.hours);
      const signals: SiteHourSignals = {
        greenMw: supply.greenMw,
        peak: zonePeak.map((flag, h) => (flag || fromEvents.peak[h] ? 1 : 0)),
        importCapMw: supply.importCapMw.map((cap, h) => Math.min(cap, fromEvents.importCapMw[h])),
        pricePerMwh: series.values.map((v, h) => fromEvents.pricePerMwh[h] ?? v?.pricePerMwh),
        carbonGPerKwh: series.values.map((v, h) => fromEvents.carbonGPerKwh[h] ?? v?.carbonGPerKwh),
        forecastHours: series.values.findLastIndex((v) => v !== undefined) + 1,
      };
      // An event's peak is certain.
      if (chance) signals.peakChance = chance.map((p, h) => (zoneEventPeak[h] || fromEvents.peak[h] ? 1 : p));
      if (draws) signals.peakDraws = draws;
      return { id: site.id, signals };
    }),
  };
}
