import { DateTime, Duration } from 'luxon';
import type { FieldError } from '../field-error.js';
import { parseInstant } from '../time/instant.js';
import { HOUR_MS } from '../time/hours.js';

/** An interval of a grid event (demand response, peak signal, price or carbon), in UTC ms. */
export interface GridEventInterval {
  startMs: number;
  endMs: number;
  /** Cap on a site's grid import, MW. */
  importCapMw?: number;
  /** SIMPLE level ≥ 1: treat as peak. */
  peak?: boolean;
  pricePerMwh?: number;
  carbonGPerKwh?: number;
}

/** A grid event as stored: which zone (and optionally sites) it applies to, and its intervals. */
export interface GridEvent {
  key: string;
  zone: string;
  sites?: string[];
  intervals: GridEventInterval[];
}

/** The parts of an OpenADR 3 (3.0.1 / 3.1) EVENT Westwind reads. */
export interface OpenAdrEvent {
  id?: string;
  programID: string;
  eventName?: string;
  intervalPeriod?: { start?: string; duration?: string };
  intervals: { id: number; intervalPeriod?: { start?: string; duration?: string }; payloads: { type: string; values: unknown[] }[] }[];
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
 * period follows the event's: interval i starts i durations after the event's start.
 */
export function openAdrToGridEvent(event: OpenAdrEvent, mapping: ProgramMapping): { event: GridEvent; problems?: undefined } | { event?: undefined; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const period = (p: { start?: string; duration?: string } | undefined, field: string) => {
    const start = p?.start ? parseInstant(p.start) : undefined;
    const duration = p?.duration ? Duration.fromISO(p.duration) : undefined;
    if (p?.start && !start) problems.push({ field: `${field}.start`, message: 'must be an ISO 8601 date-time with an offset' });
    if (p?.duration && (!duration?.isValid || duration.as('milliseconds') <= 0)) problems.push({ field: `${field}.duration`, message: 'must be a positive ISO 8601 duration' });
    return { start, duration: duration?.isValid ? (duration.as('milliseconds') > MAX_INTERVAL.as('milliseconds') ? MAX_INTERVAL : duration) : undefined };
  };
  const base = period(event.intervalPeriod, 'object.intervalPeriod');
  const intervals: GridEventInterval[] = [];
  event.intervals.forEach((interval, i) => {
    const field = `object.intervals[${i}]`;
    const own = period(interval.intervalPeriod, `${field}.intervalPeriod`);
    const duration = own.duration ?? base.duration;
    const start: DateTime | undefined = own.start ?? (base.start && duration ? base.start.plus(duration.mapUnits((x) => x * interval.id)) : undefined);
    if (!start || !duration) {
      problems.push({ field: `${field}.intervalPeriod`, message: 'needs a start and duration (its own or the event’s)' });
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
  return { event: { key: `${event.programID}:${event.id ?? event.eventName ?? 'event'}`, zone: mapping.zone, sites: mapping.sites, intervals } };
}

/** Per hour of [startMs, startMs + hours h), what events say for one site: the tightest cap, peak, price, carbon. */
export function eventsByHour(events: readonly GridEvent[], site: string, startMs: number, hours: number): { importCapMw: Float64Array; peak: Uint8Array; pricePerMwh: (number | undefined)[]; carbonGPerKwh: (number | undefined)[] } {
  const importCapMw = new Float64Array(hours).fill(Infinity);
  const peak = new Uint8Array(hours);
  const pricePerMwh: (number | undefined)[] = new Array(hours).fill(undefined);
  const carbonGPerKwh: (number | undefined)[] = new Array(hours).fill(undefined);
  for (const event of events) {
    if (event.sites && !event.sites.includes(site)) continue;
    for (const interval of event.intervals) {
      const first = Math.max(0, Math.floor((interval.startMs - startMs) / HOUR_MS));
      const last = Math.min(hours, Math.ceil((interval.endMs - startMs) / HOUR_MS));
      for (let h = first; h < last; h++) {
        if (interval.importCapMw !== undefined) importCapMw[h] = Math.min(importCapMw[h], interval.importCapMw);
        if (interval.peak) peak[h] = 1;
        if (interval.pricePerMwh !== undefined) pricePerMwh[h] = interval.pricePerMwh;
        if (interval.carbonGPerKwh !== undefined) carbonGPerKwh[h] = interval.carbonGPerKwh;
      }
    }
  }
  return { importCapMw, peak, pricePerMwh, carbonGPerKwh };
}
