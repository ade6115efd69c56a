import { DateTime } from 'luxon';

/** A local-time window such as 17:00–22:00, every day or on weekdays only. */
export interface PeakWindow {
  from: string;
  to: string;
  days?: 'every-day' | 'weekdays';
}

/**
 * Peak flags for `hours` UTC hours from `start`, from local-time windows in `timeZone`.
 * Each UTC hour is judged by its local start time, so on DST days (23 or 25 local hours) the
 * windows still cover the right wall-clock hours.
 */
export function peakFromWindows(start: DateTime, hours: number, timeZone: string, windows: readonly PeakWindow[]): Uint8Array {
  const flags = new Uint8Array(hours);
  const parsed = windows.map((w) => ({ from: minutes(w.from), to: minutes(w.to), weekdaysOnly: w.days === 'weekdays' }));
  for (let h = 0; h < hours; h++) {
    const local = start.plus({ hours: h }).setZone(timeZone);
    const minute = local.hour * 60 + local.minute;
    const weekday = local.weekday <= 5;
    for (const w of parsed) {
      if (w.weekdaysOnly && !weekday) continue;
      const inside = w.from <= w.to ? minute >= w.from && minute < w.to : minute >= w.from || minute < w.to;
      if (inside) flags[h] = 1;
    }
  }
  return flags;
}

/**
 * Peak flags derived from a load forecast: hours whose load is within `withinFraction` of the
 * maximum load of the same local day (in `timeZone`).
 */
export function peakFromLoad(start: DateTime, loadMw: ArrayLike<number>, timeZone: string, withinFraction: number): Uint8Array {
  const flags = new Uint8Array(loadMw.length);
  const dayOf = Array.from({ length: loadMw.length }, (_, h) => start.plus({ hours: h }).setZone(timeZone).toISODate()!);
  const dayMax = new Map<string, number>();
  dayOf.forEach((day, h) => dayMax.set(day, Math.max(dayMax.get(day) ?? -Infinity, loadMw[h])));
  dayOf.forEach((day, h) => {
    if (loadMw[h] >= dayMax.get(day)! * (1 - withinFraction)) flags[h] = 1;
  });
  return flags;
}

function minutes(hhmm: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match || Number(match[1]) > 24 || Number(match[2]) > 59) throw new Error(`"${hhmm}" is not a time of day (HH:mm)`);
  return Number(match[1]) * 60 + Number(match[2]);
}
