import { Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { Metrics } from '../metrics/metrics.js';
import { ForecastErrorService, type ZoneForecastError } from './forecast-error.service.js';

const MEASURED = 'measured from its stored revisions: sum |earlier revision - what came| / sum what came';

/**
 * The forecast errors by zone and lead bucket in /metrics, read from Redis at scrape time (the same figures on every
 * instance), for green supply (`westwind_forecast_error_*`) and load (`westwind_load_forecast_error_*`): what was
 * measured from the stored revisions (absent where nothing could be compared), and the figure in force with its
 * source.
 */
@Injectable()
export class ForecastErrorMetrics {
  constructor(metrics: Metrics, errors: ForecastErrorService) {
    const registers = [metrics.registry];
    seriesGauges(registers, errors, 'supply', 'westwind_forecast_error', {
      measured: `green-supply forecasts by lead time, ${MEASURED}`,
      inForce: 'green supply by lead time standing in where a forecast has no P10/P90 band',
    });
    seriesGauges(registers, errors, 'load', 'westwind_load_forecast_error', {
      measured: `load forecasts by lead time, ${MEASURED}`,
      inForce: 'load by lead time (mean absolute) that load-derived peaks are judged under',
    });
  }
}

function seriesGauges(
  registers: Registry[],
  errors: ForecastErrorService,
  series: keyof Omit<ZoneForecastError, 'zone'>,
  name: string,
  help: { measured: string; inForce: string },
): void {
  new Gauge({
    name: `${name}_measured_ratio`,
    help: `Relative error of a zone's ${help.measured}`,
    labelNames: ['zone', 'lead'],
    registers,
    async collect() {
      this.reset();
      for (const zone of await errors.all()) {
        for (const b of zone[series].buckets) {
          if (b.measured.relativeError !== null) this.set({ zone: zone.zone, lead: b.id }, b.measured.relativeError);
        }
      }
    },
  });
  new Gauge({
    name: `${name}_ratio`,
    help: `Relative error of ${help.inForce}, by source: configured, measured or default`,
    labelNames: ['zone', 'lead', 'source'],
    registers,
    async collect() {
      this.reset();
      for (const zone of await errors.all()) {
        for (const b of zone[series].buckets)
          this.set({ zone: zone.zone, lead: b.id, source: b.source }, b.relativeError);
      }
    },
  });
}
