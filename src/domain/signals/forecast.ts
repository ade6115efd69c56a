import type { DateTime } from 'luxon';
import type { FieldError } from '../field-error.js';
import { parseInstant } from '../time/instant.js';

export const RESOLUTIONS = { PT15M: 15, PT30M: 30, PT1H: 60 } as const;
export type Resolution = keyof typeof RESOLUTIONS;

/** P10/P90 quantiles of the main series, where a sender has them. */
export interface Band {
  windMw?: number;
  solarMw?: number;
  loadMw?: number;
}

export interface ForecastPoint {
  start: string;
  windMw: number;
  solarMw: number;
  loadMw: number;
  hydroMw?: number;
  carbonGPerKwh?: number;
  pricePerMwh?: number;
  p10?: Band;
  p90?: Band;
}

/** One zone-hour of forecast, as stored: `hour` is the UTC start in epoch milliseconds. */
export interface HourSignal extends Omit<ForecastPoint, 'start'> {
  hour: number;
}

export const MAX_HORIZON_DAYS = 14;
export const MAX_POINTS = 10_000;
const HOUR_MS = 3_600_000;

/**
 * Turns a forecast's points into whole UTC hours, averaging finer resolutions. Refuses (with the
 * offending point named) points not on the resolution's grid, duplicate or overlapping intervals,
 * hours left incomplete at a finer resolution, and a horizon reaching more than 14 days past `now`.
 * Shape and value checks (numbers, offsets, non-negative) happen before, in the DTO.
 */
export function forecastToHours(points: readonly ForecastPoint[], resolution: Resolution, now: DateTime): { hours: HourSignal[]; problems?: undefined } | { hours?: undefined; problems: FieldError[] } {
  const stepMinutes = RESOLUTIONS[resolution];
  const stepMs = stepMinutes * 60_000;
  const problems: FieldError[] = [];
  const starts = points.map((point, i) => {
    const start = parseInstant(point.start)!.toMillis();
    if (start % stepMs !== 0) problems.push({ field: `points[${i}].start`, message: `${point.start} is not on the ${resolution} grid (intervals start at multiples of ${stepMinutes} minutes)` });
    return start;
  });
  if (problems.length > 0) return { problems };

  const order = starts.map((_, i) => i).sort((a, b) => starts[a] - starts[b]);
  for (let k = 1; k < order.length; k++) {
    const [previous, current] = [order[k - 1], order[k]];
    if (starts[current] < starts[previous] + stepMs) {
      problems.push({ field: `points[${current}].start`, message: `overlaps points[${previous}] (${points[previous].start})` });
    }
  }
  const horizonEnd = now.toMillis() + MAX_HORIZON_DAYS * 24 * HOUR_MS;
  const last = order[order.length - 1];
  if (last !== undefined && starts[last] + stepMs > horizonEnd) {
    problems.push({ field: `points[${last}].start`, message: `reaches past the ${MAX_HORIZON_DAYS}-day horizon (${MAX_HORIZON_DAYS} days from now)` });
  }
  if (problems.length > 0) return { problems };

  // Group into hours; a finer resolution must cover the whole hour.
  const perHour = 60 / stepMinutes;
  const hours: HourSignal[] = [];
  for (let k = 0; k < order.length; ) {
    const hour = Math.floor(starts[order[k]] / HOUR_MS) * HOUR_MS;
    const group: ForecastPoint[] = [];
    while (k < order.length && starts[order[k]] < hour + HOUR_MS) group.push(points[order[k++]]);
    if (group.length !== perHour) {
      problems.push({ field: `points[${order[k - 1]}].start`, message: `the hour from ${new Date(hour).toISOString()} has ${group.length} of the ${perHour} ${resolution} points it needs` });
      continue;
    }
    hours.push({ hour, ...average(group) });
  }
  return problems.length > 0 ? { problems } : { hours };
}

function average(points: ForecastPoint[]): Omit<HourSignal, 'hour'> {
  const mean = (pick: (p: ForecastPoint) => number | undefined): number | undefined => {
    const values = points.map(pick);
    return values.every((v) => v !== undefined) ? values.reduce((a, b) => a! + b!, 0)! / values.length : undefined;
  };
  const band = (side: 'p10' | 'p90'): Band | undefined => {
    if (!points.every((p) => p[side])) return undefined;
    return compact({ windMw: mean((p) => p[side]!.windMw), solarMw: mean((p) => p[side]!.solarMw), loadMw: mean((p) => p[side]!.loadMw) });
  };
  return compact({
    windMw: mean((p) => p.windMw)!,
    solarMw: mean((p) => p.solarMw)!,
    loadMw: mean((p) => p.loadMw)!,
    hydroMw: mean((p) => p.hydroMw),
    carbonGPerKwh: mean((p) => p.carbonGPerKwh),
    pricePerMwh: mean((p) => p.pricePerMwh),
    p10: band('p10'),
    p90: band('p90'),
  });
}

/** Drops undefined fields, so stored hours carry only what the sender said. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
