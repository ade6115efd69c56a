import { DateTime } from 'luxon';
import {
  failed,
  type ForecastProvider,
  type ProviderFailure,
  type ProviderForecast,
  type ProviderResult,
  type ProviderSource,
  type ProviderWindow,
} from '../forecast-provider.js';
import { hourlyMeans, type Interval } from '../hourly.js';
import { arrayField, field, instantField, numberField, parseJson } from '../json-body.js';
import { endpoint, httpGet, isFailure, statusFailure } from '../provider-http.js';

/** lbs CO2 per MWh to g per kWh. */
const LBS_PER_MWH_IN_G_PER_KWH = 453.59237 / 1000;
/** WattTime's login token lives 30 minutes; we log in again a little before. */
const TOKEN_LIFETIME_MS = 25 * 60_000;

/**
 * WattTime API v3: `/login` (basic auth) gives a bearer token;
 * `/v3/forecast?region=&signal_type=co2_moer` the marginal operating emissions rate ahead, its
 * 5-minute points averaged into hours; and
 * `/v3/forecast/historical` the forecasts as they were issued, for replays. MOER is marginal, not
 * average, intensity: documented in docs/forecast-providers.md.
 */
export class WattTimeProvider implements ForecastProvider {
  readonly kind = 'watttime' as const;
  /** Tokens by username and base URL, with their real-time expiry (performance.now()). */
  private readonly tokens = new Map<string, { token: string; until: number }>();

  /** The provider's own horizon (up to 72 h); the window is not a parameter of /v3/forecast. */
  async fetch(source: ProviderSource, _window?: ProviderWindow): Promise<ProviderResult> {
    const answer = await this.authorized(source, '/v3/forecast', { region: source.area, signal_type: 'co2_moer' });
    if ('kind' in answer) return { ok: false, failure: answer };
    try {
      const body = parseJson(answer.body);
      const meta = field(body, 'meta');
      const forecast = toForecast(arrayField(body, 'data'), instantField(body, 'meta.generated_at'), meta);
      if (forecast.hours.length === 0) return failed('no-data', `WattTime has no forecast for ${source.area}`);
      return { ok: true, forecast };
    } catch (error) {
      return failed('malformed', `WattTime: ${(error as Error).message}`);
    }
  }

  /** Forecasts issued within [from, to), each as it was issued, for a replay's forecast input. */
  async fetchHistorical(source: ProviderSource, window: ProviderWindow): Promise<HistoricalResult> {
    const [start, end] = [window.from.toUTC().toISO()!, window.to.toUTC().toISO()!];
    const query = { region: source.area, signal_type: 'co2_moer', start, end };
    const answer = await this.authorized(source, '/v3/forecast/historical', query);
    if ('kind' in answer) return { ok: false, failure: answer };
    try {
      return { ok: true, forecasts: parseWattTimeHistorical(answer.body).forecasts };
    } catch (error) {
      return { ok: false, failure: { kind: 'malformed', message: `WattTime historical: ${(error as Error).message}` } };
    }
  }

  /** GET with the bearer token, logging in first or again once if the token was refused. */
  private async authorized(source: ProviderSource, path: string, query: Record<string, string>) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.token(source, attempt > 0);
      if (typeof token !== 'string') return token;
      const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
      const answer = await httpGet(endpoint(source.baseUrl, path, query), headers, source.timeoutMs);
      if (isFailure(answer)) return answer;
      if (answer.status === 401 && attempt === 0) continue;
      if (answer.status !== 200) return statusFailure(answer, 'WattTime');
      return answer;
    }
    return { kind: 'unauthorized' as const, message: 'WattTime refused a fresh token' };
  }

  private async token(source: ProviderSource, renew: boolean) {
    const { username, password } = source.credentials;
    if (!username || !password) {
      return { kind: 'unauthorized' as const, message: 'no WattTime username and password configured' };
    }
    const key = `${source.baseUrl} ${username}`;
    const cached = this.tokens.get(key);
    if (cached && !renew && cached.until > performance.now()) return cached.token;
    const basic = Buffer.from(`${username}:${password}`).toString('base64');
    const headers = { authorization: `Basic ${basic}`, accept: 'application/json' };
    const answer = await httpGet(endpoint(source.baseUrl, '/login', {}), headers, source.timeoutMs);
    if (isFailure(answer)) return answer;
    if (answer.status !== 200) return statusFailure(answer, 'WattTime login');
    try {
      const token = field(parseJson(answer.body), 'token');
      if (typeof token !== 'string' || token === '') throw new Error('token: missing');
      this.tokens.set(key, { token, until: performance.now() + TOKEN_LIFETIME_MS });
      return token;
    } catch (error) {
      return { kind: 'malformed' as const, message: `WattTime login: ${(error as Error).message}` };
    }
  }
}

export type HistoricalResult = { ok: true; forecasts: ProviderForecast[] } | { ok: false; failure: ProviderFailure };

/**
 * A `/v3/forecast/historical` answer: each issued forecast (carbon per hour, g/kWh) and the region
 * it is for. Throws, naming the field, on a body that is not one. Also read by the replay's
 * `--forecasts`, from a file of such an answer.
 */
export function parseWattTimeHistorical(text: string): { region: string; forecasts: ProviderForecast[] } {
  const body = parseJson(text);
  const meta = field(body, 'meta');
  const region = field(meta, 'region');
  if (typeof region !== 'string') throw new Error('meta.region: must be a string');
  const forecasts = arrayField(body, 'data').map((issue) =>
    toForecast(arrayField(issue, 'forecast'), instantField(issue, 'generated_at'), meta),
  );
  return { region, forecasts };
}

function toForecast(points: unknown[], generatedAt: number, meta: unknown): ProviderForecast {
  const units = field(meta, 'units');
  if (units !== 'lbs_co2_per_mwh') throw new Error(`meta.units: ${JSON.stringify(units)}, expected lbs_co2_per_mwh`);
  const stepMs = numberField(meta, 'data_point_period_seconds') * 1000;
  const intervals: Interval[] = points.map((p) => ({
    startMs: instantField(p, 'point_time'),
    stepMs,
    value: numberField(p, 'value') * LBS_PER_MWH_IN_G_PER_KWH,
  }));
  const hours = [...hourlyMeans(intervals, false)].map(([hour, carbonGPerKwh]) => ({ hour, carbonGPerKwh }));
  return { issuedAt: DateTime.fromMillis(generatedAt, { zone: 'utc' }).toISO()!, hours };
}
