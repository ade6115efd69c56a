import { Inject, Injectable } from '@nestjs/common';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig, type ZoneConfig } from '../config/westwind-config.js';
import {
  measureForecastError,
  type ResolvedBucket,
  resolveForecastError,
  type SeriesRevision,
} from '../domain/signals/measured-forecast-error.js';
import type { Clock } from '../domain/time/clock.js';
import { hourStartMs } from '../domain/time/hours.js';
import { supplyRevisionOf } from './forecast-revisions.js';
import { SignalsRepository } from './signals.repository.js';

/** A zone's forecast error by lead bucket, resolved (configured, measured, default), and what it was measured on. */
export interface ZoneForecastError {
  zone: string;
  /** Revisions of green supply in the audit stream the figures were measured on. */
  revisions: number;
  buckets: ResolvedBucket[];
}

/**
 * The relative error of each zone's green-supply forecasts by lead time: measured from the
 * revisions kept in the zone's audit stream against what later came for the same hours, with the
 * zone's configured `forecastError` taking precedence and a documented default where neither says.
 * Read from Redis, so every instance gives the same figures; recomputed only when a forecast has
 * arrived or an hour has passed since.
 */
@Injectable()
export class ForecastErrorService {
  private readonly cache = new Map<string, { key: string; result: ZoneForecastError }>();

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
    const revisions = (await this.repository.forecastRevisions(zone.id))
      .map(supplyRevisionOf)
      .filter((r): r is SeriesRevision => r !== undefined);
    const result = {
      zone: zone.id,
      revisions: revisions.length,
      buckets: resolveForecastError(zone.forecastError, measureForecastError(revisions, nowHour)),
    };
    this.cache.set(zone.id, { key, result });
    return result;
  }
}
