import { DateTime } from 'luxon';
import type { Band, ForecastPoint, HourSignal } from '../../domain/signals/forecast.js';
import { HOUR_MS } from '../../domain/time/hours.js';
import { formatInstant } from '../../domain/time/instant.js';
import type { ProviderHour } from './forecast-provider.js';

/** A zone hour as stored: its values and the issuedAt (epoch ms) of the forecast they came from. */
export interface StoredHour {
  values: Omit<HourSignal, 'hour'>;
  issuedAt: number;
}

export interface Overlay {
  /** Whole points for the webhook's checks and merge, one per changed hour. */
  points: ForecastPoint[];
  /** Hours the provider gave that still lack wind, solar or load (nothing stored to complete them). */
  incomplete: number;
  /** Hours where the provider said what is stored already. */
  unchanged: number;
  /** Hours outside [fromMs, toMs): before now, or past the 14-day horizon the checks allow. */
  outside: number;
  /**
   * The issuedAt the points go in with: the provider's, or just after the newest stored hour they
   * replace, so the merge (newer issuedAt wins, whole hours) takes them; the stored fields they keep
   * are carried along unchanged.
   */
  issuedAtMs: number;
}

const PROVIDER_FIELDS = ['windMw', 'solarMw', 'loadMw', 'carbonGPerKwh'] as const;

/**
 * Lays a provider's fields over the zone's stored hours. A webhook point carries wind, solar and
 * load, and the merge replaces whole hours, so a carbon-only provider can only complete hours that
 * are stored already; an hour still missing supply or load is counted, not sent.
 */
export function overlay(
  stored: ReadonlyMap<number, StoredHour>,
  hours: readonly ProviderHour[],
  providerIssuedAtMs: number,
  fromMs: number,
  toMs: number,
): Overlay {
  const points: ForecastPoint[] = [];
  let [incomplete, unchanged, outside, newestStored] = [0, 0, 0, -Infinity];
  for (const hour of hours) {
    if (hour.hour < fromMs || hour.hour + HOUR_MS > toMs) {
      outside++;
      continue;
    }
    const before = stored.get(hour.hour);
    const merged: Omit<HourSignal, 'hour'> = { ...before?.values } as Omit<HourSignal, 'hour'>;
    for (const field of PROVIDER_FIELDS) {
      if (hour[field] === undefined) continue;
      merged[field] = hour[field];
      // A band of a replaced mean belonged to the old value.
      for (const side of ['p10', 'p90'] as const) merged[side] = withoutField(merged[side], field);
    }
    for (const side of ['p10', 'p90'] as const) if (merged[side] === undefined) delete merged[side];
    if (merged.windMw === undefined || merged.solarMw === undefined || merged.loadMw === undefined) {
      incomplete++;
      continue;
    }
    if (before && sameValues(before.values, merged)) {
      unchanged++;
      continue;
    }
    if (before) newestStored = Math.max(newestStored, before.issuedAt);
    points.push({ start: formatInstant(DateTime.fromMillis(hour.hour, { zone: 'utc' })), ...merged });
  }
  const issuedAtMs = Math.max(providerIssuedAtMs, newestStored + 1);
  return { points, incomplete, unchanged, outside, issuedAtMs };
}

function withoutField(band: Band | undefined, field: string): Band | undefined {
  if (!band || !(field in band)) return band;
  const rest = Object.fromEntries(Object.entries(band).filter(([key]) => key !== field)) as Band;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

function sameValues(a: object, b: object): boolean {
  const canonical = (v: object) => JSON.stringify(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)));
  return canonical(a) === canonical(b);
}
