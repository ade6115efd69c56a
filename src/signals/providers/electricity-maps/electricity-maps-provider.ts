import { DateTime } from 'luxon';
import {
  failed,
  type ForecastProvider,
  type ProviderResult,
  type ProviderSource,
  type ProviderWindow,
} from '../forecast-provider.js';
import { HOUR_MS } from '../../../domain/time/hours.js';
import { hourlyMeans, type Interval } from '../hourly.js';
import { arrayField, instantField, numberField, parseJson } from '../json-body.js';
import { endpoint, httpGet, isFailure, statusFailure } from '../provider-http.js';

/**
 * Electricity Maps API v3 carbon-intensity forecast (`/v3/carbon-intensity/forecast?zone=`,
 * header `auth-token`): gCO2eq/kWh per hour for the zone. Only the carbon series: the puller lays
 * it over the zone's supply and load forecast.
 */
export class ElectricityMapsProvider implements ForecastProvider {
  readonly kind = 'electricity-maps' as const;

  /** The provider's own horizon (24 h by default); the window is not a parameter of this endpoint. */
  async fetch(source: ProviderSource, _window?: ProviderWindow): Promise<ProviderResult> {
    const token = source.credentials['token'];
    if (!token) return failed('unauthorized', 'no Electricity Maps auth-token configured');
    const url = endpoint(source.baseUrl, '/v3/carbon-intensity/forecast', { zone: source.area });
    const answer = await httpGet(url, { 'auth-token': token, accept: 'application/json' }, source.timeoutMs);
    if (isFailure(answer)) return { ok: false, failure: answer };
    if (answer.status !== 200) return { ok: false, failure: statusFailure(answer, 'Electricity Maps') };
    try {
      const body = parseJson(answer.body);
      const issuedAt = instantField(body, 'updatedAt');
      // Hourly by default; a point holds until the next (or for an hour, the last one).
      const points = arrayField(body, 'forecast').map((p) => ({
        at: instantField(p, 'datetime'),
        value: numberField(p, 'carbonIntensity'),
      }));
      points.sort((a, b) => a.at - b.at);
      const intervals: Interval[] = points.map((p, i) => ({
        startMs: p.at,
        stepMs: (points[i + 1]?.at ?? p.at + HOUR_MS) - p.at,
        value: p.value,
      }));
      const hours = [...hourlyMeans(intervals, false)].map(([hour, carbonGPerKwh]) => ({ hour, carbonGPerKwh }));
      if (hours.length === 0) return failed('no-data', `Electricity Maps has no forecast for ${source.area}`);
      return { ok: true, forecast: { issuedAt: DateTime.fromMillis(issuedAt, { zone: 'utc' }).toISO()!, hours } };
    } catch (error) {
      return failed('malformed', `Electricity Maps: ${(error as Error).message}`);
    }
  }
}
