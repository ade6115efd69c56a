import { eventsByHour, type GridEvent } from './grid-event.js';
import { type LoadForecastError, zonePeakChance, type ZoneRules, type ZoneSeries } from './site-signals.js';

/**
 * The chance each hour of a zone turns out a peak, as `zoneSiteSignals` judges the zone's own hours (its `zonePeak`
 * is every hour with PEAK_CHANCE_THRESHOLD of it): the zone's rules under the load forecast's error
 * (`zonePeakChance`), and 1 where a zone-wide grid event makes the hour a peak. Undefined where the zone's peaks are
 * certain: no load-derived peaks, or no known error.
 */
export function zoneHourPeakChance(
  series: ZoneSeries,
  zone: ZoneRules,
  events: readonly GridEvent[],
  days: ZoneSeries | undefined,
  loadError: LoadForecastError | undefined,
): Float64Array | undefined {
  if (!loadError || zone.peak?.loadWithin === undefined) return undefined;
  const chance = zonePeakChance(series, zone.timeZone, zone.peak, loadError, days);
  const zoneWide = events.filter((e) => !e.sites);
  eventsByHour(zoneWide, '', series.start.toMillis(), series.hours).peak.forEach((flag, h) => flag && (chance[h] = 1));
  return chance;
}
