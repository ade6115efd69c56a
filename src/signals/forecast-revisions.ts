import { forecastToHours, type ForecastPoint, RESOLUTIONS, type Resolution } from '../domain/signals/forecast.js';
import type { SeriesRevision } from '../domain/signals/measured-forecast-error.js';
import { parseInstant } from '../domain/time/instant.js';

/** Providers that bring carbon only: the wind, solar and hydro in their revisions are copies of what was stored. */
const CARBON_ONLY_PROVIDERS = new Set(['electricity-maps', 'watttime']);

interface Submission {
  issuedAt?: string;
  resolution?: string;
  points?: ForecastPoint[];
}

/**
 * A forecast revision of green supply (wind + solar + hydro) from one entry of a zone's audit
 * stream, as SignalsService writes them: a webhook (`{sender, webhookId, forecast}`), a forecast from
 * inside the service (`{source, forecast}`; a pull's source names its provider and the provider's
 * own issuedAt, which is the revision's issuedAt), or an operator's CSV (`{operator, csv}`).
 * Undefined for an entry that says nothing new about supply (a carbon provider's pull) or that
 * cannot be read.
 */
export function supplyRevisionOf(auditText: string): SeriesRevision | undefined {
  let entry: { forecast?: Submission; csv?: Submission; source?: unknown };
  try {
    entry = JSON.parse(auditText) as typeof entry;
  } catch {
    return undefined;
  }
  const submission = entry.forecast ?? entry.csv;
  if (!submission || !Array.isArray(submission.points)) return undefined;
  let issuedAt = submission.issuedAt;
  if (typeof entry.source === 'string' && entry.source.startsWith('{')) {
    const source = parseSource(entry.source);
    if (source?.provider && CARBON_ONLY_PROVIDERS.has(source.provider)) return undefined;
    if (source?.issuedAt) issuedAt = source.issuedAt;
  }
  const issued = typeof issuedAt === 'string' ? parseInstant(issuedAt) : undefined;
  const resolution = (submission.resolution ?? 'PT1H') as Resolution;
  if (!issued || !(resolution in RESOLUTIONS)) return undefined;
  const { hours } = forecastToHours(submission.points, resolution, undefined);
  if (!hours) return undefined;
  return {
    issuedAt: issued.toMillis(),
    hours: new Map(hours.map((h) => [h.hour, h.windMw + h.solarMw + (h.hydroMw ?? 0)])),
  };
}

function parseSource(text: string): { provider?: string; issuedAt?: string } | undefined {
  try {
    return JSON.parse(text) as { provider?: string; issuedAt?: string };
  } catch {
    return undefined;
  }
}
