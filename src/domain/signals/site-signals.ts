import { DateTime } from 'luxon';
import { peakFromLoad, peakFromWindows, PeakWindow } from '../energy/peak-hours.js';
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
    const context = days ?? series;
    const offset = Math.round((series.start.toMillis() - context.start.toMillis()) / HOUR_MS);
    const load = context.values.map((v) => v?.loadMw ?? 0);
    const flags = peakFromLoad(context.start, load, timeZone, rules.loadWithin);
    for (let h = 0; h < series.hours; h++) if (flags[offset + h] && series.values[h]) peaks[h] = 1;
  }
  return peaks;
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
}

export interface ZoneRules {
  timeZone: string;
  peak?: PeakRules;
}

/**
 * Each site's signals from its zone's series and the grid events in force: green supply from the
 * forecast and the site's contract; peak from the zone's rules and events; the tightest import
 * cap of config and events; price and carbon from events, else the forecast. The service and the
 * replay both read signals through here; `days` is the series over whole local days (see `zonePeaks`).
 */
export function zoneSiteSignals<S extends SiteShape & { id: string }>(
  series: ZoneSeries,
  zone: ZoneRules,
  sites: readonly S[],
  events: readonly GridEvent[] = [],
  days?: ZoneSeries,
): { zonePeak: Uint8Array; sites: { id: string; signals: SiteHourSignals }[] } {
  const from = series.start.toMillis();
  const zonePeak = zonePeaks(series, zone.timeZone, zone.peak, days);
  // Zone-wide events (no site list) mark the zone's hours too.
  eventsByHour(
    events.filter((e) => !e.sites),
    '',
    from,
    series.hours,
  ).peak.forEach((flag, h) => flag && (zonePeak[h] = 1));
  return {
    zonePeak,
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
      return { id: site.id, signals };
    }),
  };
}
