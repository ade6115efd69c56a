import type { DateTime } from 'luxon';
import { peakFromLoad, peakFromWindows, PeakWindow } from '../energy/peak-hours.js';
import { siteGreenMw, SupplyContract } from '../energy/site-supply.js';
import { jobPowerMw } from '../energy/power.js';
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
 * load. Hours without a load forecast are never load-derived peaks.
 */
export function zonePeaks(series: ZoneSeries, timeZone: string, rules: PeakRules = {}): Uint8Array {
  const peaks = rules.windows?.length
    ? peakFromWindows(series.start, series.hours, timeZone, rules.windows)
    : new Uint8Array(series.hours);
  if (rules.loadWithin !== undefined) {
    const load = series.values.map((v) => v?.loadMw ?? 0);
    peakFromLoad(series.start, load, timeZone, rules.loadWithin).forEach((flag, h) => {
      if (flag && series.values[h]) peaks[h] = 1;
    });
  }
  return peaks;
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
 * replay both read signals through here.
 */
export function zoneSiteSignals<S extends SiteShape & { id: string }>(
  series: ZoneSeries,
  zone: ZoneRules,
  sites: readonly S[],
  events: readonly GridEvent[] = [],
): { zonePeak: Uint8Array; sites: { id: string; signals: SiteHourSignals }[] } {
  const from = series.start.toMillis();
  const zonePeak = zonePeaks(series, zone.timeZone, zone.peak);
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
