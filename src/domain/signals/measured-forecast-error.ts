import { HOUR_MS } from '../time/hours.js';
import type { LoadForecastError } from './site-signals.js';

/** A range of lead times, hours from a forecast's issuedAt to the start of the hour it forecasts. */
export interface LeadBucket {
  id: LeadBucketId;
  fromHours: number;
  /** Exclusive; null: no upper end (up to the 14-day horizon a forecast may reach). */
  toHours: number | null;
}

export const LEAD_BUCKET_IDS = ['0-6h', '6-24h', '24-48h', '48-72h', '72h+'] as const;
export type LeadBucketId = (typeof LEAD_BUCKET_IDS)[number];

export const LEAD_BUCKETS: readonly LeadBucket[] = [
  { id: '0-6h', fromHours: 0, toHours: 6 },
  { id: '6-24h', fromHours: 6, toHours: 24 },
  { id: '24-48h', fromHours: 24, toHours: 48 },
  { id: '48-72h', fromHours: 48, toHours: 72 },
  { id: '72h+', fromHours: 72, toHours: null },
];

/**
 * The relative error of green supply assumed where neither the configuration nor the zone's past
 * forecasts say: 10% at a day ahead (the level issue #21's targets are set at), growing with the
 * square root of the lead as in the replay's `evolving` model (src/replay/forecast-error.ts), taken
 * at each bucket's upper end (a week for 72h+) and rounded: 10% × √(lead / 24).
 */
export const DEFAULT_FORECAST_ERROR: Readonly<Record<LeadBucketId, number>> = {
  '0-6h': 0.05,
  '6-24h': 0.1,
  '24-48h': 0.14,
  '48-72h': 0.17,
  '72h+': 0.26,
};

/**
 * The mean absolute relative error of the load forecast assumed where neither the configuration (`loadForecastError`)
 * nor the zone's past forecasts say: an assumption, not a measurement — 3% at a day ahead (day-ahead load forecasts of
 * European TSOs are typically 2–4% off), growing with the square root of the lead like the green-supply default,
 * taken at each bucket's upper end (a week for 72h+) and rounded: 3% × √(lead / 24).
 */
export const DEFAULT_LOAD_FORECAST_ERROR: Readonly<Record<LeadBucketId, number>> = {
  '0-6h': 0.015,
  '6-24h': 0.03,
  '24-48h': 0.04,
  '48-72h': 0.05,
  '72h+': 0.08,
};

/** Standard deviation of a Gaussian relative error whose mean absolute value is `level`: E|N(0, σ)| = σ √(2/π). */
export function sigmaForMape(level: number): number {
  return level * Math.sqrt(Math.PI / 2);
}

/**
 * The latest revision of an hour is taken as what came only if it was issued at most this long
 * before the hour began (or during or after the hour: an actual). A later day-ahead forecast
 * compared with an earlier one would measure how much forecasts move, not how wrong they are.
 */
export const REFERENCE_MAX_LEAD_HOURS = 6;

/** A bucket's measured figure is used only when it rests on at least this many distinct hours. */
export const MIN_MEASURED_HOURS = 24;

/** One stored forecast revision of one of a zone's series (green supply, load: MW) per UTC hour. */
export interface SeriesRevision {
  /** When it was issued, epoch ms. */
  issuedAt: number;
  /** Hour start (epoch ms, UTC) → the series' value. */
  hours: ReadonlyMap<number, number>;
}

/** What the zone's past forecasts say about one lead bucket. */
export interface MeasuredBucket {
  bucket: LeadBucketId;
  /**
   * Σ |forecast − outcome| / Σ outcome over every (revision, hour) pair in the bucket: the mean
   * absolute error relative to the mean outcome (robust where supply is near 0, unlike a mean of
   * per-hour ratios); null without pairs, or where the outcomes sum to 0.
   */
  relativeError: number | null;
  /** (revision, hour) pairs compared. */
  pairs: number;
  /** Distinct hours they forecast. */
  hours: number;
}

/**
 * Measures a zone's forecast error of one series (green supply, load) per lead bucket from its stored revisions: for
 * each hour that has ended by `nowMs`, the latest revision of it is the outcome (if it came within
 * REFERENCE_MAX_LEAD_HOURS of the hour, or after it began: an actual); every earlier revision issued
 * before the hour began is compared with it at its lead.
 */
export function measureForecastError(revisions: readonly SeriesRevision[], nowMs: number): MeasuredBucket[] {
  const byHour = new Map<number, { issuedAt: number; mw: number }[]>();
  for (const revision of revisions) {
    for (const [hour, mw] of revision.hours) {
      if (hour + HOUR_MS > nowMs || !Number.isFinite(mw)) continue;
      let list = byHour.get(hour);
      if (!list) byHour.set(hour, (list = []));
      list.push({ issuedAt: revision.issuedAt, mw });
    }
  }
  const sums = LEAD_BUCKETS.map(() => ({ absError: 0, outcome: 0, pairs: 0, hours: new Set<number>() }));
  for (const [hour, list] of byHour) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.issuedAt - b.issuedAt);
    const outcome = list[list.length - 1];
    if (hour - outcome.issuedAt > REFERENCE_MAX_LEAD_HOURS * HOUR_MS) continue;
    for (const earlier of list.slice(0, -1)) {
      if (earlier.issuedAt >= outcome.issuedAt || earlier.issuedAt > hour) continue;
      const k = bucketIndex((hour - earlier.issuedAt) / HOUR_MS);
      sums[k].absError += Math.abs(earlier.mw - outcome.mw);
      sums[k].outcome += outcome.mw;
      sums[k].pairs += 1;
      sums[k].hours.add(hour);
    }
  }
  return LEAD_BUCKETS.map((bucket, k) => ({
    bucket: bucket.id,
    relativeError: sums[k].pairs > 0 && sums[k].outcome > 0 ? sums[k].absError / sums[k].outcome : null,
    pairs: sums[k].pairs,
    hours: sums[k].hours.size,
  }));
}

export type ForecastErrorSource = 'configured' | 'measured' | 'default';

/** The relative error a zone's forecasts are taken to have at a lead bucket, and where it comes from. */
export interface ResolvedBucket extends LeadBucket {
  relativeError: number;
  source: ForecastErrorSource;
  measured: MeasuredBucket;
}

/**
 * Per bucket: the configured figure (the zone's `forecastError`, or `loadForecastError` for load), else the measured
 * one where it rests on MIN_MEASURED_HOURS hours, else the series' default (DEFAULT_FORECAST_ERROR for green supply,
 * DEFAULT_LOAD_FORECAST_ERROR for load). Forecasts do not grow worse as the hour nears: a default never stands above a
 * configured or measured figure of a longer lead (a zone whose 6-24h forecasts measure 0% takes 0% at 0-6h too, where
 * no pair could be measured).
 */
export function resolveForecastError(
  configured: Partial<Record<LeadBucketId, number>> | undefined,
  measured: readonly MeasuredBucket[],
  defaults: Readonly<Record<LeadBucketId, number>> = DEFAULT_FORECAST_ERROR,
): ResolvedBucket[] {
  const resolved = LEAD_BUCKETS.map((bucket): ResolvedBucket => {
    const found = measured.find((m) => m.bucket === bucket.id) ?? {
      bucket: bucket.id,
      relativeError: null,
      pairs: 0,
      hours: 0,
    };
    const set = configured?.[bucket.id];
    if (set !== undefined) return { ...bucket, relativeError: set, source: 'configured', measured: found };
    if (found.relativeError !== null && found.hours >= MIN_MEASURED_HOURS)
      return { ...bucket, relativeError: found.relativeError, source: 'measured', measured: found };
    return { ...bucket, relativeError: defaults[bucket.id], source: 'default', measured: found };
  });
  let longer = Infinity;
  for (const bucket of resolved.toReversed()) {
    if (bucket.source === 'default') bucket.relativeError = Math.min(bucket.relativeError, longer);
    else longer = Math.min(longer, bucket.relativeError);
  }
  return resolved;
}

/** The resolved relative error for a forecast `leadHours` ahead (what stands in where bands are missing). */
export function relativeErrorAt(resolved: readonly ResolvedBucket[], leadHours: number): number {
  return resolved[bucketIndex(leadHours)].relativeError;
}

/**
 * The load forecast's error as `zoneSiteSignals` takes it — σ of the relative error (`sigmaForMape` of the resolved
 * mean absolute error) at lead ℓ, the hour [start + ℓ − 1, start + ℓ) — for a series starting at `startMs` and read
 * at `nowMs`. An hour's error is that of the forecast it holds: its bucket is the lead from that forecast's issuedAt
 * (`issuedAt(hourMs)`, at most now; now where unknown) to the hour, however the series' start lies. Hours that have
 * ended are known: 0.
 */
export function loadErrorByLead(
  resolved: readonly ResolvedBucket[],
  startMs: number,
  nowMs: number,
  issuedAt: (hourMs: number) => number | undefined,
): LoadForecastError {
  return (leadHours) => {
    const hourMs = startMs + (leadHours - 1) * HOUR_MS;
    if (hourMs + HOUR_MS <= nowMs) return 0;
    const issued = Math.min(issuedAt(hourMs) ?? nowMs, nowMs);
    return sigmaForMape(relativeErrorAt(resolved, (hourMs - issued) / HOUR_MS));
  };
}

function bucketIndex(leadHours: number): number {
  const k = LEAD_BUCKETS.findIndex((b) => b.toHours === null || leadHours < b.toHours);
  return Math.max(0, k);
}
