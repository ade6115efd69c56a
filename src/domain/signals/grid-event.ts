import { HOUR_MS, hourStartMs } from '../time/hours.js';

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
  /**
   * Why the interval sheds load at once (SIMPLE level ≥ 2, ALERT_GRID_EMERGENCY, ALERT_BLACK_START):
   * its import cap is the program's firm service level, and a change to it is re-planned and
   * dispatched without waiting for the planner's rest.
   */
  emergency?: string;
}

/** A grid event as stored: which zone (and optionally sites) it applies to, and its intervals. */
export interface GridEvent {
  key: string;
  zone: string;
  sites?: string[];
  intervals: GridEventInterval[];
}

/**
 * Whether a change to this event must reach the sites at once: an interval that constrains what
 * runs (an import cap, a peak, an emergency) is in force now or begins before the current hour ends.
 * Such a change re-plans without waiting, and the jobs it stops are paused within seconds.
 */
export function changesNow(event: GridEvent, nowMs: number): boolean {
  const hourEnd = hourStartMs(nowMs) + HOUR_MS;
  return event.intervals.some(
    (interval) =>
      interval.startMs < hourEnd &&
      interval.endMs > nowMs &&
      (interval.importCapMw !== undefined || interval.peak === true || interval.emergency !== undefined),
  );
}

/** Per hour of [startMs, startMs + hours h), what events say for one site: the tightest cap, peak, price, carbon. */
export function eventsByHour(
  events: readonly GridEvent[],
  site: string,
  startMs: number,
  hours: number,
): {
  importCapMw: Float64Array;
  peak: Uint8Array;
  pricePerMwh: (number | undefined)[];
  carbonGPerKwh: (number | undefined)[];
} {
  const importCapMw = new Float64Array(hours).fill(Infinity);
  const peak = new Uint8Array(hours);
  const pricePerMwh: (number | undefined)[] = new Array<number | undefined>(hours).fill(undefined);
  const carbonGPerKwh: (number | undefined)[] = new Array<number | undefined>(hours).fill(undefined);
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
