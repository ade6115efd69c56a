import type { DateTime } from 'luxon';
import { peakFromLoad, peakFromWindows, PeakWindow } from '../energy/peak-hours.js';
import { siteGreenMw, SupplyContract } from '../energy/site-supply.js';
import { jobPowerMw } from '../energy/power.js';
import type { HourSignal } from './forecast.js';

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
  const peaks = rules.windows?.length ? peakFromWindows(series.start, series.hours, timeZone, rules.windows) : new Uint8Array(series.hours);
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
