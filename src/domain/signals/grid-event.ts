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
