import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Metrics } from '../metrics/metrics.js';
import { ForecastErrorService } from './forecast-error.service.js';

/**
 * The forecast error by zone and lead bucket in /metrics, read from Redis at scrape time (the same
 * figures on every instance): what was measured from the stored revisions (absent where nothing
 * could be compared), and the figure in force with its source.
 */
@Injectable()
export class ForecastErrorMetrics {
  constructor(metrics: Metrics, errors: ForecastErrorService) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'westwind_forecast_error_measured_ratio',
      help:
        "Relative error of a zone's green-supply forecasts by lead time, measured from its stored revisions: " +
        'sum |earlier revision - what came| / sum what came',
      labelNames: ['zone', 'lead'],
      registers,
      async collect() {
        this.reset();
        for (const zone of await errors.all()) {
          for (const b of zone.buckets) {
            if (b.measured.relativeError !== null) this.set({ zone: zone.zone, lead: b.id }, b.measured.relativeError);
          }
        }
      },
    });
    new Gauge({
      name: 'westwind_forecast_error_ratio',
      help:
        'Relative error of green supply by lead time standing in where a forecast has no P10/P90 band, ' +
        'by source: configured, measured or default',
      labelNames: ['zone', 'lead', 'source'],
      registers,
      async collect() {
        this.reset();
        for (const zone of await errors.all()) {
          for (const b of zone.buckets) this.set({ zone: zone.zone, lead: b.id, source: b.source }, b.relativeError);
        }
      },
    });
  }
}
