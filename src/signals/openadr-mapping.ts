import { DateTime, Duration } from 'luxon';
import type { FieldError } from '../domain/field-error.js';
import type { GridEvent, GridEventInterval } from '../domain/signals/grid-event.js';
import { parseInstant } from '../domain/time/instant.js';

/** The parts of an OpenADR 3 (3.0.1 / 3.1) EVENT Westwind reads. */
export interface OpenAdrEvent {
  id?: string;
  programID: string;
  eventName?: string;
  intervalPeriod?: { start?: string; duration?: string };
  intervals: {
    id: number;
    intervalPeriod?: { start?: string; duration?: string };
    payloads: { type: string; values: unknown[] }[];
  }[];
}

export interface ProgramMapping {
  zone: string;
  sites?: string[];
  /** Unit of IMPORT_CAPACITY_LIMIT values and of the firm service level. */
  capacityUnit: 'kW' | 'MW';
  /**
   * Grid import the sites keep during an emergency (SIMPLE level ≥ 2, ALERT_GRID_EMERGENCY,
   * ALERT_BLACK_START), in capacityUnit: the firm service level of demand-response contracts.
   * Default 0: only what green supply covers keeps running.
   */
  firmServiceLevel?: number;
}

function toMw(value: number, mapping: ProgramMapping): number {
  return mapping.capacityUnit === 'kW' ? value / 1000 : value;
}

/** The tightest of the interval's caps so far and `mw`. */
function tighten(interval: GridEventInterval, mw: number): void {
  interval.importCapMw = Math.min(interval.importCapMw ?? Infinity, mw);
}

/** An emergency: peak hours, import capped at the firm service level, and why. */
function shed(interval: GridEventInterval, why: string, mapping: ProgramMapping): void {
  interval.peak = true;
  tighten(interval, toMw(mapping.firmServiceLevel ?? 0, mapping));
  interval.emergency = interval.emergency ? `${interval.emergency}; ${why}` : why;
}

/** Payload types whose first value Westwind reads as a number (alerts carry text). */
const NUMERIC_PAYLOADS = new Set(['IMPORT_CAPACITY_LIMIT', 'SIMPLE', 'PRICE', 'GHG']);

/** SIMPLE levels from this one up ("high" and "emergency" load shed) shed load at once. */
export const EMERGENCY_SIMPLE_LEVEL = 2;

/** Longest interval taken from an event (OpenADR allows "P9999Y" for open-ended). */
const MAX_INTERVAL = Duration.fromObject({ days: 366 });

/**
 * Maps an OpenADR 3 event onto Westwind's signals: IMPORT_CAPACITY_LIMIT caps grid import,
 * SIMPLE level ≥ 1 marks peak, PRICE and GHG set price and carbon. An emergency — SIMPLE level ≥ 2
 * (high or emergency load shed), ALERT_GRID_EMERGENCY or ALERT_BLACK_START — marks peak and caps
 * import at the program's firm service level (default 0), the planner's hard rule that pauses
 * running work at once (a peak alone lets running work finish the hour already decided). An interval without its own
 * period follows the event's: interval i starts i durations after the event's start. Problems
 * name the notification's fields (`object.intervals[0]…`), which is why this lives in the OpenADR
 * adapter and the domain keeps only the grid event.
 */
export function openAdrToGridEvent(
  event: OpenAdrEvent,
  mapping: ProgramMapping,
): { event: GridEvent; problems?: undefined } | { event?: undefined; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const period = (p: { start?: string; duration?: string } | undefined, field: string) => {
    const start = p?.start ? parseInstant(p.start) : undefined;
    const duration = p?.duration ? Duration.fromISO(p.duration) : undefined;
    if (p?.start && !start)
      problems.push({ field: `${field}.start`, message: 'must be an ISO 8601 date-time with an offset' });
    if (p?.duration && (!duration?.isValid || duration.as('milliseconds') <= 0))
      problems.push({ field: `${field}.duration`, message: 'must be a positive ISO 8601 duration' });
    return {
      start,
      duration: duration?.isValid
        ? duration.as('milliseconds') > MAX_INTERVAL.as('milliseconds')
          ? MAX_INTERVAL
          : duration
        : undefined,
    };
  };
  const base = period(event.intervalPeriod, 'object.intervalPeriod');
  const intervals: GridEventInterval[] = [];
  event.intervals.forEach((interval, i) => {
    const field = `object.intervals[${i}]`;
    const own = period(interval.intervalPeriod, `${field}.intervalPeriod`);
    const duration = own.duration ?? base.duration;
    const start: DateTime | undefined =
      own.start ?? (base.start && duration ? base.start.plus(duration.mapUnits((x) => x * interval.id)) : undefined);
    if (!start || !duration) {
      problems.push({
        field: `${field}.intervalPeriod`,
        message: 'needs a start and duration (its own or the event’s)',
      });
      return;
    }
    const result: GridEventInterval = { startMs: start.toMillis(), endMs: start.plus(duration).toMillis() };
    interval.payloads.forEach((payload, k) => {
      const at = `${field}.payloads[${k}].values[0]`;
      const value = payload.values[0];
      if (NUMERIC_PAYLOADS.has(payload.type) && (typeof value !== 'number' || !Number.isFinite(value))) {
        problems.push({ field: at, message: 'must be a finite number' });
        return;
      }
      const number = value as number;
      switch (payload.type) {
        case 'IMPORT_CAPACITY_LIMIT':
          if (number < 0) problems.push({ field: at, message: 'must not be negative' });
          tighten(result, toMw(number, mapping));
          break;
        case 'SIMPLE':
          if (number >= 1) result.peak = true;
          if (number >= EMERGENCY_SIMPLE_LEVEL) shed(result, `SIMPLE level ${number}`, mapping);
          break;
        case 'ALERT_GRID_EMERGENCY':
        case 'ALERT_BLACK_START':
          shed(result, typeof value === 'string' && value ? `${payload.type}: ${value}` : payload.type, mapping);
          break;
        case 'PRICE':
          result.pricePerMwh = number;
          break;
        case 'GHG':
          if (number < 0) problems.push({ field: at, message: 'must not be negative' });
          result.carbonGPerKwh = number;
          break;
        default:
          break; // other payload types do not concern scheduling
      }
    });
    intervals.push(result);
  });
  if (problems.length > 0) return { problems };
  return {
    event: {
      key: `${event.programID}:${event.id ?? event.eventName ?? 'event'}`,
      zone: mapping.zone,
      sites: mapping.sites,
      intervals,
    },
  };
}
