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
  /** Unit of IMPORT_CAPACITY_LIMIT values. */
  capacityUnit: 'kW' | 'MW';
}

/** Longest interval taken from an event (OpenADR allows "P9999Y" for open-ended). */
const MAX_INTERVAL = Duration.fromObject({ days: 366 });

/**
 * Maps an OpenADR 3 event onto Westwind's signals: IMPORT_CAPACITY_LIMIT caps grid import,
 * SIMPLE level ≥ 1 marks peak, PRICE and GHG set price and carbon. An interval without its own
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
      const value = payload.values[0];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        problems.push({ field: `${field}.payloads[${k}].values[0]`, message: 'must be a finite number' });
        return;
      }
      switch (payload.type) {
        case 'IMPORT_CAPACITY_LIMIT':
          if (value < 0) problems.push({ field: `${field}.payloads[${k}].values[0]`, message: 'must not be negative' });
          result.importCapMw = mapping.capacityUnit === 'kW' ? value / 1000 : value;
          break;
        case 'SIMPLE':
          result.peak = value >= 1;
          break;
        case 'PRICE':
          result.pricePerMwh = value;
          break;
        case 'GHG':
          if (value < 0) problems.push({ field: `${field}.payloads[${k}].values[0]`, message: 'must not be negative' });
          result.carbonGPerKwh = value;
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
