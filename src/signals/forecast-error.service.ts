import { Inject, Injectable } from '@nestjs/common';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig, type ZoneConfig } from '../config/westwind-config.js';
import {
  DEFAULT_FORECAST_ERROR,
  DEFAULT_LOAD_FORECAST_ERROR,
  measureForecastError,
  type ResolvedBucket,
  resolveForecastError,
  type SeriesRevision,
} from '../domain/signals/measured-forecast-error.js';
import type { Clock } from '../domain/time/clock.js';
import { hourStartMs } from '../domain/time/hours.js';
import { type MeasuredSeries, seriesRevisions } from './forecast-revisions.js';
import { SignalsRepository } from './signals.repository.js';

/** One series' forecast error by lead bucket, resolved (configured, measured, default). */
export interface SeriesForecastError {
  /** Revisions of the series in the audit stream the figures were measured on. */
  revisions: number;
  buckets: ResolvedBucket[];
}

/** A zone's forecast errors: green supply (`forecastError`) and load (`loadForecastError`). */
export interface ZoneForecastError {
  zone: string;
  supply: SeriesForecastError;
  load: SeriesForecastError;
}

/**
 * The relative error of each zone's forecasts by lead time, green supply and load alike: measured from the
 * revisions kept in the zone's audit stream against what later came for the same hours, with the zone's configured
 * `forecastError` / `loadForecastError` taking precedence and a documented default where neither says. Read from
 * Redis, so every instance gives the same figures; recomputed only when a forecast has arrived or an hour has passed
 * since (callers meanwhile share one computation).
 */
@Injectable()
export class ForecastErrorService {
  private readonly cache = new Map<string, { key: string; result: Promise<ZoneForecastError> }>();
  /** Each zone's audit entries already read into revisions, by stream id: only new entries are read again. */
  private readonly revisions = new Map<string, Map<string, Record<MeasuredSeries, SeriesRevision[]>>>();

  constructor(
    private readonly repository: SignalsRepository,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  all(): Promise<ZoneForecastError[]> {
    return Promise.all(this.config.zones.map((zone) => this.forZone(zone)));
  }

  async forZone(zone: ZoneConfig): Promise<ZoneForecastError> {
    const nowHour = hourStartMs(this.clock.now().toMillis());
    const key = `${await this.repository.latestForecastId(zone.id)}@${nowHour}`;
    const cached = this.cache.get(zone.id);
    if (cached?.key === key) return cached.result;
    const result = this.measure(zone, nowHour);
    this.cache.set(zone.id, { key, result });
    result.catch(() => this.cache.get(zone.id)?.result === result && this.cache.delete(zone.id));
    return result;
  }

  private async measure(zone: ZoneConfig, nowHour: number): Promise<ZoneForecastError> {
    const entries = await this.repository.forecastRevisions(zone.id);
    const known = this.revisions.get(zone.id) ?? new Map<string, Record<MeasuredSeries, SeriesRevision[]>>();
    const read = new Map(entries.map(({ id, entry }) => [id, known.get(id) ?? seriesRevisions([entry])]));
    this.revisions.set(zone.id, read);
    const supply = [...read.values()].flatMap((r) => r.supply);
    const load = [...read.values()].flatMap((r) => r.load);
    return {
      zone: zone.id,
      supply: {
        revisions: supply.length,
        buckets: resolveForecastError(
          zone.forecastError,
          measureForecastError(supply, nowHour),
          DEFAULT_FORECAST_ERROR,
        ),
      },
      load: {
        revisions: load.length,
        buckets: resolveForecastError(
          zone.loadForecastError,
          measureForecastError(load, nowHour),
          DEFAULT_LOAD_FORECAST_ERROR,
        ),
      },
    };
  }
}
