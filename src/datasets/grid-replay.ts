import { DateTime } from 'luxon';
import type { ForecastPoint } from '../domain/signals/forecast.js';
import { OPSD_FILE, readOpsdZones, type ZoneSeries } from './opsd.js';

/** Where the bundled series live and in which time zone they were recorded. */
const OPSD_TIME_ZONE = 'Europe/Berlin';
const OPSD_FIRST_HOUR = DateTime.fromISO('2018-12-31T23:00:00Z', { zone: 'utc' });
const OPSD_HOURS = 8760;
const WEEKS_PER_YEAR = 52;

/**
 * Replays the bundled real hourly grid series (OPSD 2019, Germany's four control areas) as
 * forecasts for zones elsewhere and in other years. An hour of a target zone replays the hour of
 * the same local wall-clock time in 2019, in Berlin, shifted by whole 52-week steps so weekdays
 * line up: the night wind, midday solar and evening load of the real series fall on the target
 * zone's own nights, middays and evenings.
 */
export class GridReplay {
  private readonly series: Map<string, ZoneSeries>;

  constructor(file = OPSD_FILE) {
    this.series = new Map(readOpsdZones(OPSD_FIRST_HOUR, OPSD_HOURS, file).map((s) => [s.zone, s]));
  }

  get areas(): string[] {
    return [...this.series.keys()];
  }

  /** Forecast points of `area`'s series for the UTC hours [from, from + hours) of a zone in `timeZone`. */
  points(area: string, timeZone: string, from: DateTime, hours: number): ForecastPoint[] {
    const series = this.series.get(area);
    if (!series) throw new Error(`no bundled series "${area}" (have ${this.areas.join(', ')})`);
    return Array.from({ length: hours }, (_, h) => {
      const at = from.plus({ hours: h });
      const i = this.sourceHour(at, timeZone);
      return {
        start: at.toUTC().toISO()!,
        windMw: series.windMw[i],
        solarMw: series.solarMw[i],
        loadMw: series.loadMw[i],
      };
    });
  }

  /** Index of the 2019 hour with the same local wall-clock time (in Berlin) as `at` in `timeZone`. */
  private sourceHour(at: DateTime, timeZone: string): number {
    const local = at.setZone(timeZone);
    let wall = DateTime.fromObject(
      { year: local.year, month: local.month, day: local.day, hour: local.hour },
      { zone: OPSD_TIME_ZONE },
    );
    const years = wall.year - 2019;
    wall = wall.minus({ weeks: WEEKS_PER_YEAR * years });
    let i = Math.round(wall.diff(OPSD_FIRST_HOUR, 'hours').hours);
    // 52 weeks is a day short of a year: wrap what falls just outside the data.
    while (i < 0) i += WEEKS_PER_YEAR * 7 * 24;
    while (i >= OPSD_HOURS) i -= WEEKS_PER_YEAR * 7 * 24;
    return i;
  }
}
