import type { ActualSegment, Job, PowerStep } from '../jobs/job.js';
import type { SiteHourSignals } from '../signals/site-signals.js';
import { HOUR_MS, hourStartMs } from '../time/hours.js';

/** AI energy a site used, per UTC hour (epoch ms of the hour's start) in MWh. */
export type HourlyMwh = Map<number, number>;

/** Energy by source: green is renewable supply the site had in that hour, grid the rest. */
export interface EnergyTotals {
  energyMwh: number;
  greenMwh: number;
  gridMwh: number;
  /** Grid energy in the site's peak hours: what the grid desk asks us to avoid. */
  peakGridMwh: number;
  /** Grid energy × the hour's carbon intensity (MWh × g/kWh = kg); 0 where intensity is unknown. */
  carbonKg: number;
  /** Grid energy × the hour's price; 0 where the price is unknown. */
  cost: number;
}

/**
 * What a site had in one hour: renewable power available to it, whether it was a peak hour, and the
 * grid's carbon and price.
 */
export interface HourSupply {
  greenMw: number;
  peak: boolean;
  carbonGPerKwh?: number;
  pricePerMwh?: number;
}

/** A site's supply in one hour (epoch ms of its start); undefined where it is not known. */
export type SiteSupplyAt = (site: string, hourMs: number) => HourSupply | undefined;

/** Sites' signals over [fromMs, fromMs + hours × HOUR_MS) as the energy meter reads an hour of them. */
export function supplyFrom(signals: ReadonlyMap<string, SiteHourSignals>, fromMs: number, hours: number): SiteSupplyAt {
  return (site, hourMs) => {
    const s = signals.get(site);
    const h = (hourMs - fromMs) / HOUR_MS;
    if (!s || h < 0 || h >= hours) return undefined;
    return {
      greenMw: s.greenMw[h],
      peak: s.peak[h] === 1,
      carbonGPerKwh: s.carbonGPerKwh[h],
      pricePerMwh: s.pricePerMwh[h],
    };
  };
}

/** The energy of a job running at `powerMw` over [start, end), split at UTC hour boundaries. */
export function segmentEnergy(start: number, end: number, powerMw: number): HourlyMwh {
  const byHour: HourlyMwh = new Map();
  for (let from = start; from < end;) {
    const hour = hourStartMs(from);
    const to = Math.min(end, hour + HOUR_MS);
    byHour.set(hour, (byHour.get(hour) ?? 0) + (powerMw * (to - from)) / HOUR_MS);
    from = to;
  }
  return byHour;
}

/**
 * The energy of a run segment over [start, end) for a job of full power `powerMw`, following its
 * power cap steps: full power before the first step, `fraction × powerMw` from each step on.
 */
export function runSegmentEnergy(
  start: number,
  end: number,
  powerMw: number,
  steps: readonly Pick<PowerStep, 'at' | 'fraction'>[] | undefined,
): HourlyMwh {
  if (!steps?.length) return segmentEnergy(start, end, powerMw);
  const byHour: HourlyMwh = new Map();
  let fraction = 1;
  let cursor = start;
  for (const step of steps) {
    const stepMs = Math.min(end, Date.parse(step.at));
    if (stepMs > cursor) {
      addHourly(byHour, segmentEnergy(cursor, stepMs, fraction * powerMw));
      cursor = stepMs;
    }
    fraction = step.fraction;
  }
  if (end > cursor) addHourly(byHour, segmentEnergy(cursor, end, fraction * powerMw));
  return byHour;
}

/** Energy of the segments that `after` closed and `before` still had open (a pause or a finish). */
export function closedSegmentEnergy(
  before: readonly ActualSegment[] | undefined,
  after: readonly ActualSegment[] | undefined,
  powerMwAt: (site: string) => number,
): { site: string; mwh: HourlyMwh }[] {
  return (after ?? [])
    .filter((segment, i) => segment.end !== undefined && before?.[i]?.end === undefined)
    .map((segment) => ({
      site: segment.site,
      mwh: runSegmentEnergy(
        Date.parse(segment.start),
        Date.parse(segment.end!),
        powerMwAt(segment.site),
        segment.power,
      ),
    }));
}

/**
 * Adds the open run segments of running jobs (at their power caps), up to `nowMs`, to the sites'
 * ledgers (closed segments only): the energy used so far. Sites not in `used` are left out.
 */
export function withOpenSegments(
  used: Map<string, HourlyMwh>,
  running: readonly Pick<Job, 'gpus' | 'run'>[],
  nowMs: number,
  powerMwOf: (job: Pick<Job, 'gpus'>, site: string) => number,
): Map<string, HourlyMwh> {
  for (const job of running) {
    const open = job.run?.segments.at(-1);
    if (open && open.end === undefined && used.has(open.site))
      addHourly(
        used.get(open.site)!,
        runSegmentEnergy(Date.parse(open.start), nowMs, powerMwOf(job, open.site), open.power),
      );
  }
  return used;
}

/** Adds `more` into `into`, hour by hour. */
export function addHourly(into: HourlyMwh, more: HourlyMwh): HourlyMwh {
  for (const [hour, mwh] of more) into.set(hour, (into.get(hour) ?? 0) + mwh);
  return into;
}

/**
 * Splits a site's hourly AI energy into green and grid: in each hour the AI load uses the green
 * supply first (up to what the site had), the grid for the rest. Hours with no known supply count as grid.
 */
export function meterTotals(used: HourlyMwh, supplyAt: (hour: number) => HourSupply | undefined): EnergyTotals {
  const totals = noEnergy();
  for (const [hour, mwh] of used) {
    const supply = supplyAt(hour);
    const green = Math.min(mwh, supply?.greenMw ?? 0);
    const grid = mwh - green;
    totals.energyMwh += mwh;
    totals.greenMwh += green;
    totals.gridMwh += grid;
    if (supply?.peak) totals.peakGridMwh += grid;
    totals.carbonKg += grid * (supply?.carbonGPerKwh ?? 0);
    totals.cost += grid * (supply?.pricePerMwh ?? 0);
  }
  return totals;
}

/** No energy yet: the totals to add to. */
export function noEnergy(): EnergyTotals {
  return { energyMwh: 0, greenMwh: 0, gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 };
}

export function sumTotals(parts: readonly EnergyTotals[]): EnergyTotals {
  const sum = noEnergy();
  for (const t of parts) for (const key of Object.keys(sum) as (keyof EnergyTotals)[]) sum[key] += t[key];
  return sum;
}

/** Green share of AI energy, 0–1; undefined when no energy was used. */
export function greenShare(totals: EnergyTotals): number | undefined {
  return totals.energyMwh > 0 ? totals.greenMwh / totals.energyMwh : undefined;
}

/** Totals as people read them (to the kWh, kg or unit of price) with the green share, null when none. */
export function energyFigures(totals: EnergyTotals): EnergyTotals & { greenShare: number | null } {
  return {
    energyMwh: roundKilo(totals.energyMwh),
    greenMwh: roundKilo(totals.greenMwh),
    gridMwh: roundKilo(totals.gridMwh),
    peakGridMwh: roundKilo(totals.peakGridMwh),
    carbonKg: roundKilo(totals.carbonKg),
    cost: roundKilo(totals.cost),
    greenShare: greenShare(totals) ?? null,
  };
}

function roundKilo(value: number): number {
  return Math.round(value * 1000) / 1000;
}
