import {
  forecastToHours,
  type ForecastPoint,
  type HourSignal,
  RESOLUTIONS,
  type Resolution,
} from '../domain/signals/forecast.js';
import type { SeriesRevision } from '../domain/signals/measured-forecast-error.js';
import { parseInstant } from '../domain/time/instant.js';

/** Providers that bring carbon only: the other values in their revisions are copies of what was stored. */
const CARBON_ONLY_PROVIDERS = new Set(['electricity-maps', 'watttime']);

/** A forecast as submitted: a webhook's body, an operator's CSV upload, a forecast from inside the service. */
export interface ForecastSubmission {
  zone: string;
  issuedAt: string;
  resolution: Resolution;
  points: ForecastPoint[];
}

/**
 * One entry of a zone's forecast audit stream, as SignalsService writes it and SignalsRepository reads it back:
 * a webhook, a forecast from inside the service (the demo's replay; a provider's pull, whose `source` is the JSON
 * text `{provider, area, issuedAt}` with the provider's own issuedAt), or an operator's CSV upload.
 */
export type ForecastAuditEntry =
  | { sender: string; webhookId: string; forecast: ForecastSubmission }
  | { source: string; forecast: ForecastSubmission }
  | { operator: string; csv: ForecastSubmission };

/** An audit entry from its stored text; undefined for one that cannot be read as such. */
export function parseAuditEntry(text: string): ForecastAuditEntry | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const submission = 'forecast' in entry ? entry.forecast : 'csv' in entry ? entry.csv : undefined;
  const readable =
    typeof submission === 'object' && submission !== null && 'points' in submission && Array.isArray(submission.points);
  return readable ? (entry as ForecastAuditEntry) : undefined;
}

/** A zone's series whose forecast error is measured from its revisions. */
export const MEASURED_SERIES = {
  /** Green supply: wind + solar + hydro. */
  supply: (h: HourSignal) => h.windMw + h.solarMw + (h.hydroMw ?? 0),
  load: (h: HourSignal) => h.loadMw,
} as const;
export type MeasuredSeries = keyof typeof MEASURED_SERIES;

/**
 * The revisions of each measured series (green supply, load) in a zone's audit entries: each entry's hours (finer
 * resolutions averaged as on arrival) at its issuedAt — a pull's at the provider's own. Left out: a carbon provider's
 * pull (what it carries besides carbon is a copy of what was stored) and what cannot be read.
 */
export function seriesRevisions(entries: readonly ForecastAuditEntry[]): Record<MeasuredSeries, SeriesRevision[]> {
  const result: Record<MeasuredSeries, SeriesRevision[]> = { supply: [], load: [] };
  for (const entry of entries) {
    const revision = hoursOf(entry);
    if (!revision) continue;
    for (const series of Object.keys(MEASURED_SERIES) as MeasuredSeries[]) {
      const value = MEASURED_SERIES[series];
      result[series].push({
        issuedAt: revision.issuedAt,
        hours: new Map(revision.hours.map((h) => [h.hour, value(h)])),
      });
    }
  }
  return result;
}

function hoursOf(entry: ForecastAuditEntry): { issuedAt: number; hours: HourSignal[] } | undefined {
  const submission = 'csv' in entry ? entry.csv : entry.forecast;
  let issuedAt: unknown = submission.issuedAt;
  if ('source' in entry && typeof entry.source === 'string' && entry.source.startsWith('{')) {
    const source = parseSource(entry.source);
    if (source?.provider && CARBON_ONLY_PROVIDERS.has(source.provider)) return undefined;
    if (source?.issuedAt) issuedAt = source.issuedAt;
  }
  const issued = typeof issuedAt === 'string' ? parseInstant(issuedAt) : undefined;
  // Entries written before resolution was required have none: hourly.
  const resolution = submission.resolution ?? 'PT1H';
  if (!issued || !(resolution in RESOLUTIONS)) return undefined;
  const { hours } = forecastToHours(submission.points, resolution, undefined);
  return hours ? { issuedAt: issued.toMillis(), hours } : undefined;
}

function parseSource(text: string): { provider?: string; issuedAt?: string } | undefined {
  try {
    return JSON.parse(text) as { provider?: string; issuedAt?: string };
  } catch {
    return undefined;
  }
}
