import type { WestwindConfig } from '../config/westwind-config.js';
import type { HourSignal } from '../domain/signals/forecast.js';
import { HOUR_MS } from '../domain/time/hours.js';
import type { ProviderHour } from '../signals/providers/forecast-provider.js';
import { parseWattTimeHistorical } from '../signals/providers/watttime/watttime-provider.js';
import { ReplayInputError } from './replay-input.js';

/** The series a provider's issued forecast may give, as the replay's signals name them. */
const ISSUED_SERIES = ['windMw', 'solarMw', 'loadMw', 'carbonGPerKwh'] as const;

/** Forecasts a provider actually issued for one zone, read from a file (`--forecasts`). */
export interface IssuedForecastSet {
  file: string;
  provider: 'watttime';
  /** The provider's region (WattTime) and the configured zone pulling it. */
  region: string;
  zone: string;
  forecasts: { issuedAtMs: number; hours: ProviderHour[] }[];
}

/** What the report says of each file. */
export interface IssuedForecastsInput {
  file: string;
  provider: string;
  region: string;
  zone: string;
  issues: number;
  series: string[];
  first: string | null;
  last: string | null;
}

/**
 * A `/v3/forecast/historical` answer of WattTime saved to a file, for the zone of the configuration
 * whose `watttime` provider pulls its region. Problems name the file.
 */
export function readWattTimeHistorical(text: string, file: string, config: WestwindConfig): IssuedForecastSet {
  let parsed: ReturnType<typeof parseWattTimeHistorical>;
  try {
    parsed = parseWattTimeHistorical(text);
  } catch (error) {
    throw new ReplayInputError([
      { file, message: `not a WattTime /v3/forecast/historical answer: ${(error as Error).message}` },
    ]);
  }
  const zone = config.zones.find((z) => z.providers.some((p) => p.type === 'watttime' && p.area === parsed.region));
  if (!zone) {
    const message =
      `region ${parsed.region}: no zone of the configuration pulls it ` + '(a watttime provider with that region)';
    throw new ReplayInputError([{ file, field: 'meta.region', message }]);
  }
  const forecasts = parsed.forecasts
    .map((f) => ({ issuedAtMs: Date.parse(f.issuedAt), hours: f.hours }))
    .filter((f) => f.hours.length > 0);
  if (forecasts.length === 0) throw new ReplayInputError([{ file, field: 'data', message: 'no forecast hour in it' }]);
  return { file, provider: 'watttime', region: parsed.region, zone: zone.id, forecasts };
}

/**
 * Forecasts as they were issued, laid over the replay's forecasts: at each simulated hour, each
 * hour ahead takes, for the series the provider gives, the value of the **latest forecast issued
 * by then** that covers it; hours and series no issued forecast covers keep the replay's own
 * forecast (the error model's, or the actual series with perfect forecasts).
 */
export class IssuedForecasts {
  private readonly byZone = new Map<string, { issuedAtMs: number; hours: Map<number, ProviderHour> }[]>();

  constructor(readonly sets: readonly IssuedForecastSet[]) {
    for (const set of sets) {
      const list = this.byZone.get(set.zone) ?? [];
      for (const f of set.forecasts)
        list.push({ issuedAtMs: f.issuedAtMs, hours: new Map(f.hours.map((h) => [h.hour, h])) });
      list.sort((a, b) => a.issuedAtMs - b.issuedAtMs);
      this.byZone.set(set.zone, list);
    }
  }

  /** `values` (hours from `startMs`) as seen at `atMs`: a copy, with the issued values laid over. */
  apply(zone: string, atMs: number, startMs: number, values: (HourSignal | undefined)[]): (HourSignal | undefined)[] {
    const issues = (this.byZone.get(zone) ?? []).filter((f) => f.issuedAtMs <= atMs);
    if (issues.length === 0) return values;
    return values.map((v, k) => {
      if (!v) return v;
      const hour = startMs + k * HOUR_MS;
      const next = { ...v };
      for (const key of ISSUED_SERIES) {
        for (let i = issues.length - 1; i >= 0; i--) {
          const given = issues[i].hours.get(hour)?.[key];
          if (given === undefined) continue;
          next[key] = given;
          break;
        }
      }
      return next;
    });
  }

  describe(): IssuedForecastsInput[] {
    return this.sets.map((set) => {
      const hours = set.forecasts.flatMap((f) => f.hours.map((h) => h.hour));
      const series = ISSUED_SERIES.filter((key) =>
        set.forecasts.some((f) => f.hours.some((h) => h[key] !== undefined)),
      );
      const iso = (ms: number) => new Date(ms).toISOString();
      return {
        file: set.file,
        provider: set.provider,
        region: set.region,
        zone: set.zone,
        issues: set.forecasts.length,
        series: [...series],
        first: hours.length ? iso(Math.min(...hours)) : null,
        last: hours.length ? iso(Math.max(...hours)) : null,
      };
    });
  }
}
