import { DateTime } from 'luxon';
import {
  failed,
  type ForecastProvider,
  type ProviderForecast,
  type ProviderHour,
  type ProviderResult,
  type ProviderSource,
  type ProviderWindow,
} from '../forecast-provider.js';
import { hourlyMeans } from '../hourly.js';
import { endpoint, httpGet, isFailure, statusFailure } from '../provider-http.js';
import { parseEntsoeDocument, type EntsoeSeries } from './entsoe-document.js';
import { RequestBudget } from './request-budget.js';

/** The platform's published limit: 400 requests a minute per token and per IP, else a 10-minute ban. */
export const ENTSOE_REQUESTS_PER_MINUTE = 400;
const BAN_MS = 10 * 60_000;

/** Waits until one more request to ENTSO-E is allowed (`key`: the token). */
export interface RequestPermits {
  take(key: string): Promise<void>;
}

/** Production types of the day-ahead wind and solar forecast (A69) that Westwind reads. */
const SOLAR = ['B16'];
const WIND = ['B18', 'B19'];

/**
 * ENTSO-E Transparency Platform: the day-ahead wind and solar generation forecast (documentType A69,
 * processType A01; psrType B16 solar, B18 wind offshore, B19 wind onshore) and the day-ahead load
 * forecast (A65, A01), for an EIC area, as XML, with the securityToken query parameter. Periods
 * are UTC; PT15M and PT30M values are averaged into whole hours.
 */
export class EntsoeProvider implements ForecastProvider {
  readonly kind = 'entsoe' as const;

  /**
   * `permits`: the service passes EntsoeRequestPermits (the budget across instances); alone (tests,
   * scripts) the driver keeps the published limit in this process.
   */
  constructor(private readonly budget: RequestPermits = new RequestBudget(ENTSOE_REQUESTS_PER_MINUTE, 60_000)) {}

  async fetch(source: ProviderSource, window: ProviderWindow): Promise<ProviderResult> {
    const token = source.credentials['token'];
    if (!token) return failed('unauthorized', 'no ENTSO-E security token configured');
    const period = { periodStart: entsoeTime(window.from), periodEnd: entsoeTime(window.to) };
    const generation = await this.document(
      source,
      { documentType: 'A69', processType: 'A01', in_Domain: source.area, ...period },
      token,
    );
    if (!generation.ok) return generation;
    const loadQuery = { documentType: 'A65', processType: 'A01', outBiddingZone_Domain: source.area, ...period };
    const load = await this.document(source, loadQuery, token);
    if (!load.ok) return load;
    const hours = mergeHours([
      ['solarMw', sumByHour(generation.series.filter((s) => s.psrType && SOLAR.includes(s.psrType)))],
      ['windMw', sumByHour(generation.series.filter((s) => s.psrType && WIND.includes(s.psrType)))],
      ['loadMw', sumByHour(load.series)],
    ]);
    if (hours.length === 0) {
      const notes = [generation.note, load.note].filter(Boolean).join('; ');
      const span = `${window.from.toISO()}/${window.to.toISO()}`;
      return failed('no-data', `ENTSO-E has no forecast for ${source.area} in ${span}: ${notes}`);
    }
    const issued = [generation.createdAt, load.createdAt].filter((t): t is string => t !== undefined).sort();
    const forecast: ProviderForecast = { issuedAt: issued[issued.length - 1], hours };
    return { ok: true, forecast };
  }

  private async document(source: ProviderSource, query: Record<string, string>, token: string) {
    try {
      await this.budget.take(token);
    } catch (error) {
      const message = `ENTSO-E request budget: ${(error as Error).message}`;
      return { ok: false as const, failure: { kind: 'network' as const, message } };
    }
    const url = endpoint(source.baseUrl, '/api', { securityToken: token, ...query });
    const answer = await httpGet(url, { accept: 'application/xml' }, source.timeoutMs);
    if (isFailure(answer)) return { ok: false as const, failure: answer };
    if (answer.status !== 200) {
      const failure = statusFailure(answer, 'ENTSO-E');
      // A 429 there is a ban of 10 minutes, whatever the answer says.
      if (failure.kind === 'rate-limited') failure.retryAfterMs = Math.max(failure.retryAfterMs ?? 0, BAN_MS);
      return { ok: false as const, failure: { ...failure, message: failure.message.replace(token, '***') } };
    }
    let doc;
    try {
      doc = parseEntsoeDocument(answer.body);
    } catch (error) {
      const message = `ENTSO-E ${query.documentType}: ${(error as Error).message}`;
      return { ok: false as const, failure: { kind: 'malformed' as const, message } };
    }
    // "No matching data" is an answer, not a fault: that document adds nothing this time.
    if (doc.type === 'acknowledgement') {
      const note = `${query.documentType}: ${doc.code} ${doc.text}`.trim();
      return { ok: true as const, series: [] as EntsoeSeries[], note, createdAt: undefined };
    }
    return { ok: true as const, series: doc.series, note: undefined, createdAt: doc.createdDateTime };
  }
}

/** yyyyMMddHHmm in UTC, as the platform's periodStart and periodEnd want it. */
function entsoeTime(instant: DateTime): string {
  return instant.toUTC().toFormat('yyyyMMddHHmm');
}

/**
 * Hourly MW of each series summed per hour. An hour counts only where every series of the group
 * covers it whole, so an hour with onshore but not yet offshore wind is not understated.
 */
function sumByHour(series: readonly EntsoeSeries[]): Map<number, number> {
  const byType = new Map<string, EntsoeSeries['intervals']>();
  for (const s of series) byType.set(s.psrType ?? '', [...(byType.get(s.psrType ?? '') ?? []), ...s.intervals]);
  const hourly = [...byType.values()].map((intervals) => hourlyMeans(intervals, true));
  if (hourly.length === 0) return new Map();
  const sums = new Map<number, number>();
  for (const [hour, value] of hourly[0]) {
    if (!hourly.every((h) => h.has(hour))) continue;
    sums.set(hour, value + hourly.slice(1).reduce((a, h) => a + h.get(hour)!, 0));
  }
  return sums;
}

function mergeHours(fields: [keyof Omit<ProviderHour, 'hour'>, Map<number, number>][]): ProviderHour[] {
  const hours = new Map<number, ProviderHour>();
  for (const [field, values] of fields) {
    for (const [hour, value] of values) {
      const entry = hours.get(hour) ?? { hour };
      entry[field] = value;
      hours.set(hour, entry);
    }
  }
  return [...hours.values()].sort((a, b) => a.hour - b.hour);
}
