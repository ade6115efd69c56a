import type { DateTime } from 'luxon';
import type { FieldError } from '../field-error.js';
import { parseInstant } from '../time/instant.js';
import { DAY_MS, HOUR_MS, hourStartMs } from '../time/hours.js';

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

const SERIES = ['windMw', 'solarMw', 'loadMw'] as const;
const OPTIONAL_SERIES = ['hydroMw', 'carbonGPerKwh', 'pricePerMwh'] as const;
const POINT_KEYS = new Set<string>(['start', ...SERIES, ...OPTIONAL_SERIES, 'p10', 'p90']);

/**
 * Checks each point's shape: a start with offset, finite non-negative MW (price may be negative:
 * real markets clear below zero), known fields only. A plain loop rather than per-point DTO
 * validation: a forecast carries up to 10,000 points and this runs on every delivery.
 */
export function pointProblems(points: readonly unknown[]): FieldError[] {
  const problems: FieldError[] = [];
  const number = (value: unknown, field: string, mayBeNegative = false) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      problems.push({ field, message: 'must be a finite number' });
    else if (!mayBeNegative && value < 0) problems.push({ field, message: 'must not be negative' });
  };
  points.forEach((point, i) => {
    const at = `points[${i}]`;
    if (typeof point !== 'object' || point === null || Array.isArray(point)) {
      problems.push({ field: at, message: 'must be an object' });
      return;
    }
    const p = point as Record<string, unknown>;
    for (const key of Object.keys(p))
      if (!POINT_KEYS.has(key)) problems.push({ field: `${at}.${key}`, message: `property ${key} should not exist` });
    if (typeof p.start !== 'string' || !parseInstant(p.start))
      problems.push({ field: `${at}.start`, message: 'must be an ISO 8601 date-time with an offset' });
    for (const key of SERIES) number(p[key], `${at}.${key}`);
    for (const key of OPTIONAL_SERIES) if (p[key] !== undefined) number(p[key], `${at}.${key}`, key === 'pricePerMwh');
    for (const side of ['p10', 'p90'] as const) {
      if (p[side] === undefined) continue;
      if (typeof p[side] !== 'object' || p[side] === null) {
        problems.push({ field: `${at}.${side}`, message: 'must be an object' });
        continue;
      }
      for (const [key, value] of Object.entries(p[side])) {
        if ((SERIES as readonly string[]).includes(key)) number(value, `${at}.${side}.${key}`);
        else problems.push({ field: `${at}.${side}.${key}`, message: `property ${key} should not exist` });
      }
    }
  });
  return problems;
}

export const MAX_HORIZON_DAYS = 14;
export const MAX_POINTS = 10_000;

/**
 * Turns a forecast's points into whole UTC hours, averaging finer resolutions. Refuses (with the
 * offending point named) points not on the resolution's grid, duplicate or overlapping intervals,
 * hours left incomplete at a finer resolution, and a horizon reaching more than 14 days past `now`
 * (not checked without `now`: a stored revision, accepted when it came). Each point's shape is
 * checked before, by pointProblems.
 */
export function forecastToHours(
  points: readonly ForecastPoint[],
  resolution: Resolution,
  now: DateTime | undefined,
): { hours: HourSignal[]; problems?: undefined } | { hours?: undefined; problems: FieldError[] } {
  const stepMinutes = RESOLUTIONS[resolution];
  const stepMs = stepMinutes * 60_000;
  const problems: FieldError[] = [];
  const starts = points.map((point, i) => {
    const start = parseInstant(point.start)!.toMillis();
    if (start % stepMs !== 0)
      problems.push({
        field: `points[${i}].start`,
        message:
          `${point.start} is not on the ${resolution} grid ` +
          `(intervals start at multiples of ${stepMinutes} minutes)`,
      });
    return start;
  });
  if (problems.length > 0) return { problems };

  const order = starts.map((_, i) => i).sort((a, b) => starts[a] - starts[b]);
  for (let k = 1; k < order.length; k++) {
    const [previous, current] = [order[k - 1], order[k]];
    if (starts[current] < starts[previous] + stepMs) {
      problems.push({
        field: `points[${current}].start`,
        message: `overlaps points[${previous}] (${points[previous].start})`,
      });
    }
  }
  const horizonEnd = now === undefined ? Infinity : now.toMillis() + MAX_HORIZON_DAYS * DAY_MS;
  const last = order[order.length - 1];
  if (last !== undefined && starts[last] + stepMs > horizonEnd) {
    problems.push({
      field: `points[${last}].start`,
      message: `reaches past the ${MAX_HORIZON_DAYS}-day horizon (${MAX_HORIZON_DAYS} days from now)`,
    });
  }
  if (problems.length > 0) return { problems };

  // Group into hours; a finer resolution must cover the whole hour.
  const perHour = 60 / stepMinutes;
  const hours: HourSignal[] = [];
  for (let k = 0; k < order.length;) {
    const hour = hourStartMs(starts[order[k]]);
    const group: ForecastPoint[] = [];
    while (k < order.length && starts[order[k]] < hour + HOUR_MS) group.push(points[order[k++]]);
    if (group.length !== perHour) {
      problems.push({
        field: `points[${order[k - 1]}].start`,
        message:
          `the hour from ${new Date(hour).toISOString()} has ${group.length} of the ` +
          `${perHour} ${resolution} points it needs`,
      });
      continue;
    }
    hours.push({ hour, ...average(group) });
  }
  return problems.length > 0 ? { problems } : { hours };
}

function average(points: ForecastPoint[]): Omit<HourSignal, 'hour'> {
  const mean = (pick: (p: ForecastPoint) => number | undefined): number | undefined => {
    const values = points.map(pick);
    return values.every((v) => v !== undefined) ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
  };
  const band = (side: 'p10' | 'p90'): Band | undefined => {
    if (!points.every((p) => p[side])) return undefined;
    return compact({
      windMw: mean((p) => p[side]!.windMw),
      solarMw: mean((p) => p[side]!.solarMw),
      loadMw: mean((p) => p[side]!.loadMw),
    });
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
