import type { GridEvent } from '../signals/grid-event.js';
import { HOUR_MS, hourStartMs } from '../time/hours.js';

/**
 * What the plan drew from the grid at an event's sites in the event's hours, taken just before the
 * event was applied: the baseline its curtailment is measured against.
 */
export interface CurtailmentBaseline {
  /** UTC hour starts (epoch ms), ascending. */
  hours: number[];
  /** Grid import (MW, the hour's average) the plan had at each site in each of `hours`. */
  sites: Record<string, number[]>;
}

/** The grid import the current plan has per site and hour, hours counted from the plan's start. */
export type PlannedGridMw = Record<string, readonly { gridMw: number }[]>;

/**
 * UTC hours an event touches, each hour any of its intervals overlaps, from the hour holding
 * `fromMs` on and at most `maxHours` of them: earlier hours have no plan to take a baseline from,
 * and a plan looks no further ahead.
 */
export function eventHours(event: GridEvent, fromMs: number, maxHours: number): number[] {
  const first = hourStartMs(fromMs);
  const hours = new Set<number>();
  for (const interval of event.intervals) {
    const end = Math.min(interval.endMs, first + maxHours * HOUR_MS);
    for (let hour = Math.max(first, hourStartMs(interval.startMs)); hour < end; hour += HOUR_MS) hours.add(hour);
  }
  return [...hours].sort((a, b) => a - b);
}

/** The baseline of `hours` at `sites` from a plan starting at `planStartMs` (no plan: nothing drawn). */
export function planBaseline(
  hours: readonly number[],
  sites: readonly string[],
  planned: PlannedGridMw | undefined,
  planStartMs: number | undefined,
): CurtailmentBaseline {
  const at = (site: string, hour: number) => {
    if (!planned || planStartMs === undefined) return 0;
    return planned[site]?.[Math.round((hour - planStartMs) / HOUR_MS)]?.gridMw ?? 0;
  };
  return {
    hours: [...hours],
    sites: Object.fromEntries(sites.map((site) => [site, hours.map((hour) => at(site, hour))])),
  };
}

/**
 * The baseline of an updated event: hours and sites it had keep what was taken when they first
 * arrived (the plan since already answers the event), new ones take `fresh`'s; hours `fresh`
 * no longer has are dropped unless they have begun (`keepFromMs`), so what was measured stays.
 */
export function updatedBaseline(
  kept: CurtailmentBaseline,
  fresh: CurtailmentBaseline,
  keepFromMs: number,
): CurtailmentBaseline {
  const keptAt = new Map(kept.hours.map((hour, h) => [hour, h]));
  const hours = [...new Set([...kept.hours.filter((hour) => hour < keepFromMs), ...fresh.hours])].sort((a, b) => a - b);
  const freshAt = new Map(fresh.hours.map((hour, h) => [hour, h]));
  const sites = [...new Set([...Object.keys(kept.sites), ...Object.keys(fresh.sites)])];
  return {
    hours,
    sites: Object.fromEntries(
      sites.map((site) => [
        site,
        hours.map((hour) => {
          const k = keptAt.get(hour);
          if (k !== undefined && kept.sites[site]) return kept.sites[site][k];
          const f = freshAt.get(hour);
          return f !== undefined ? (fresh.sites[site]?.[f] ?? 0) : 0;
        }),
      ]),
    ),
  };
}

export interface CurtailmentSiteHour {
  site: string;
  baselineMw: number;
  /** Grid import metered, the average over the part of the hour gone; null before the hour begins. */
  meteredMw: number | null;
  curtailedMw: number | null;
}

export interface CurtailmentHour {
  /** UTC start, epoch ms. */
  hour: number;
  /** Share of the hour gone (0 before it begins, 1 once it is over). */
  elapsed: number;
  baselineMw: number;
  meteredMw: number | null;
  curtailedMw: number | null;
  sites: CurtailmentSiteHour[];
}

export interface CurtailmentTotals {
  /** Baseline, metered and curtailed grid energy over the part of the event's hours gone. */
  baselineMwh: number;
  meteredMwh: number;
  curtailedMwh: number;
  /** Baseline over all the event's hours, gone or to come. */
  plannedBaselineMwh: number;
  /** Every hour is over: the figures are final. */
  complete: boolean;
}

/** What is metered at a site: AI energy (MWh) in an hour so far, and the green supply it had (MW). */
export interface SiteMeter {
  energyMwh(site: string, hour: number): number;
  greenMw(site: string, hour: number): number;
}

/**
 * Hour by hour, the baseline against the grid import metered: AI energy less the green supply the
 * site had (as the meter splits it), averaged over the part of the hour gone. Curtailed is
 * baseline less metered (negative where the sites drew more than planned).
 */
export function curtailment(
  baseline: CurtailmentBaseline,
  meter: SiteMeter,
  nowMs: number,
): { hours: CurtailmentHour[]; totals: CurtailmentTotals } {
  const sites = Object.keys(baseline.sites);
  const totals: CurtailmentTotals = {
    baselineMwh: 0,
    meteredMwh: 0,
    curtailedMwh: 0,
    plannedBaselineMwh: 0,
    complete: baseline.hours.every((hour) => hour + HOUR_MS <= nowMs),
  };
  const hours = baseline.hours.map((hour, h): CurtailmentHour => {
    const elapsed = Math.min(1, Math.max(0, (nowMs - hour) / HOUR_MS));
    const rows = sites.map((site): CurtailmentSiteHour => {
      const baselineMw = baseline.sites[site][h];
      if (elapsed === 0) return { site, baselineMw, meteredMw: null, curtailedMw: null };
      const meteredMw = Math.max(0, meter.energyMwh(site, hour) / elapsed - meter.greenMw(site, hour));
      return { site, baselineMw, meteredMw, curtailedMw: baselineMw - meteredMw };
    });
    const baselineMw = sum(rows.map((r) => r.baselineMw));
    const meteredMw = elapsed === 0 ? null : sum(rows.map((r) => r.meteredMw!));
    totals.plannedBaselineMwh += baselineMw;
    totals.baselineMwh += baselineMw * elapsed;
    totals.meteredMwh += (meteredMw ?? 0) * elapsed;
    return {
      hour,
      elapsed,
      baselineMw,
      meteredMw,
      curtailedMw: meteredMw === null ? null : baselineMw - meteredMw,
      sites: rows,
    };
  });
  totals.curtailedMwh = totals.baselineMwh - totals.meteredMwh;
  return { hours, totals };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
