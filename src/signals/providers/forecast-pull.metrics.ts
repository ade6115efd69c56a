import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { CLOCK } from '../../config/config.module.js';
import { WestwindConfig } from '../../config/westwind-config.js';
import type { Clock } from '../../domain/time/clock.js';
import { Metrics } from '../../metrics/metrics.js';
import { ForecastPullStatusRepository } from './forecast-pull-status.repository.js';

/**
 * Forecast pulls in /metrics, read from Redis at scrape time: the pulls run in the planner
 * instances, /metrics may be scraped from any instance, and every instance shows the same figures
 * (aggregate with max(), as the other shared figures).
 */
@Injectable()
export class ForecastPullMetrics {
  constructor(
    metrics: Metrics,
    statuses: ForecastPullStatusRepository,
    config: WestwindConfig,
    @Inject(CLOCK) clock: Clock,
  ) {
    const registers = [metrics.registry];
    new Counter({
      name: 'westwind_forecast_pull_errors_total',
      help: 'Failed forecast pulls by zone, provider and failure kind, all instances',
      labelNames: ['zone', 'provider', 'kind'],
      registers,
      async collect() {
        this.reset();
        const counts = await statuses.errorCounts();
        for (const { zone, provider, kind, count } of counts) this.inc({ zone, provider, kind }, count);
      },
    });
    new Gauge({
      name: 'westwind_forecast_age_seconds',
      help: "Seconds (service clock) since the last good pull of a zone's forecast from a provider; absent before one",
      labelNames: ['zone', 'provider'],
      registers,
      async collect() {
        this.reset();
        const now = clock.now().toMillis();
        for (const zone of config.zones.filter((z) => z.providers.length > 0)) {
          const pulls = await statuses.all(zone.id);
          for (const provider of zone.providers) {
            const at = pulls.get(provider.type)?.lastSuccessAt;
            if (at !== undefined) this.set({ zone: zone.id, provider: provider.type }, Math.max(0, (now - at) / 1000));
          }
        }
      },
    });
  }
}
