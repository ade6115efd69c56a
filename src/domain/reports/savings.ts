import { DateTime } from 'luxon';
import {
  addHourly,
  energyFigures,
  type EnergyTotals,
  type HourlyMwh,
  meterTotals,
  noEnergy,
  runSegmentEnergy,
  segmentEnergy,
  type SiteSupplyAt,
  sumTotals,
} from '../energy/energy-meter.js';
import type { Job } from '../jobs/job.js';
import { HOUR_MS, hourStartMs } from '../time/hours.js';

// The energy meter's, re-exported for the savings report's callers.
export { type SiteSupplyAt, supplyFrom } from '../energy/energy-meter.js';

/** How a finished job ended: what the savings report counts. */
export type EndedState = 'completed' | 'failed' | 'cancelled';
export const ENDED_STATES: readonly EndedState[] = ['completed', 'failed', 'cancelled'];

/**
 * The energy a finished job used, hour by hour at each site it ran at, and the energy its work needed
 * run fifo: at full power from its submission (or its earliest start, when that is later: fifo may not
 * start it sooner) straight through, at the site it first ran at.
 */
export interface JobEnergy {
  jobId: string;
  tenant: string;
  state: EndedState;
  /** When it ended (epoch ms): its last state change. */
  endedMs: number;
  westwind: Map<string, HourlyMwh>;
  fifo: { site: string; mwh: HourlyMwh } | undefined;
}

/** What one finished job used, and what fifo would have used, judged by the sites' stored hours. */
export interface JobSavings {
  jobId: string;
  tenant: string;
  state: EndedState;
  endedMs: number;
  westwind: EnergyTotals;
  fifo: EnergyTotals;
}

/**
 * The energy a finished job used (its run segments at its full power `powerMwAt(site)`, following
 * its power caps) and its fifo counterfactual: the same MWh, less what its checkpoint restores took
 * (fifo never pauses), at full power from max(submittedAt, earliestStart), at the site of its first
 * run segment. A job that never ran used nothing, and neither does its counterfactual.
 */
export function jobEnergy(job: Job, powerMwAt: (site: string) => number): JobEnergy {
  const state = job.state as EndedState;
  if (!ENDED_STATES.includes(state)) throw new Error(`job ${job.id} is ${job.state}, not finished`);
  const endedMs = Date.parse(job.history.at(-1)!.at);
  const westwind = new Map<string, HourlyMwh>();
  for (const segment of job.run?.segments ?? []) {
    const end = segment.end === undefined ? endedMs : Date.parse(segment.end);
    const mwh = runSegmentEnergy(Date.parse(segment.start), end, powerMwAt(segment.site), segment.power);
    westwind.set(segment.site, addHourly(westwind.get(segment.site) ?? new Map<number, number>(), mwh));
  }
  const site = job.run?.segments[0]?.site;
  const used = [...westwind.values()].reduce((sum, byHour) => sum + [...byHour.values()].reduce((a, b) => a + b, 0), 0);
  const needed = used - restoreMwh(job, endedMs, powerMwAt);
  const powerMw = site === undefined ? 0 : powerMwAt(site);
  let fifo: JobEnergy['fifo'];
  if (site !== undefined && needed > 0 && powerMw > 0) {
    const start = Math.max(Date.parse(job.submittedAt), Date.parse(job.earliestStart));
    fifo = { site, mwh: segmentEnergy(start, start + (needed / powerMw) * HOUR_MS, powerMw) };
  }
  return { jobId: job.id, tenant: job.tenant, state, endedMs, westwind, fifo };
}

/**
 * Energy the job spent restoring checkpoints: every run segment after the first follows a pause and
 * begins with `checkpointMinutes` of restore at full power (or all of it, when shorter). A run
 * straight through needs none of it.
 */
function restoreMwh(job: Job, endedMs: number, powerMwAt: (site: string) => number): number {
  return (job.run?.segments ?? []).slice(1).reduce((sum, segment) => {
    const ranMs = (segment.end === undefined ? endedMs : Date.parse(segment.end)) - Date.parse(segment.start);
    return sum + (Math.min(job.checkpointMinutes * 60_000, ranMs) / HOUR_MS) * powerMwAt(segment.site);
  }, 0);
}

/** The hours [fromMs, fromMs + hours × HOUR_MS) both runs of `energy` touch; hours 0 when it used nothing. */
export function energySpan(energy: JobEnergy): { fromMs: number; hours: number } {
  const hours = [...energy.westwind.values(), ...(energy.fifo ? [energy.fifo.mwh] : [])].flatMap((m) => [...m.keys()]);
  if (hours.length === 0) return { fromMs: hourStartMs(energy.endedMs), hours: 0 };
  const fromMs = Math.min(...hours);
  return { fromMs, hours: (Math.max(...hours) - fromMs) / HOUR_MS + 1 };
}

/**
 * Both runs judged as the energy meter judges a site's hours (`meterTotals`): green supply first, the
 * grid for the rest, peak grid apart, carbon and cost of the grid part. Each job is judged alone
 * against its site's green supply.
 */
export function jobSavings(energy: JobEnergy, supplyAt: SiteSupplyAt): JobSavings {
  const judged = (site: string, mwh: HourlyMwh) => meterTotals(mwh, (hour) => supplyAt(site, hour));
  return {
    jobId: energy.jobId,
    tenant: energy.tenant,
    state: energy.state,
    endedMs: energy.endedMs,
    westwind: sumTotals([...energy.westwind].map(([site, mwh]) => judged(site, mwh))),
    fifo: energy.fifo ? judged(energy.fifo.site, energy.fifo.mwh) : noEnergy(),
  };
}

/** A tenant's finished jobs of a month, added up. */
export interface SavingsRow {
  tenant: string;
  jobs: Record<EndedState, number>;
  westwind: EnergyTotals;
  fifo: EnergyTotals;
}

/** What Westwind avoided against fifo: fifo − Westwind, per metric (negative: fifo would have done better). */
export interface Avoided {
  gridMwh: number;
  peakGridMwh: number;
  carbonKg: number;
  cost: number;
}

export function emptyRow(tenant: string): SavingsRow {
  return { tenant, jobs: { completed: 0, failed: 0, cancelled: 0 }, westwind: noEnergy(), fifo: noEnergy() };
}

/** The row with one more job's savings added. */
export function addSavings(row: SavingsRow, savings: JobSavings): SavingsRow {
  return {
    tenant: row.tenant,
    jobs: { ...row.jobs, [savings.state]: row.jobs[savings.state] + 1 },
    westwind: sumTotals([row.westwind, savings.westwind]),
    fifo: sumTotals([row.fifo, savings.fifo]),
  };
}

export function avoided(row: Pick<SavingsRow, 'westwind' | 'fifo'>): Avoided {
  const { westwind, fifo } = row;
  return {
    gridMwh: fifo.gridMwh - westwind.gridMwh,
    peakGridMwh: fifo.peakGridMwh - westwind.peakGridMwh,
    carbonKg: fifo.carbonKg - westwind.carbonKg,
    cost: fifo.cost - westwind.cost,
  };
}

/** Every row added up, under `tenant` (e.g. "total"). */
export function totalRow(rows: readonly SavingsRow[], tenant: string): SavingsRow {
  return {
    tenant,
    jobs: Object.fromEntries(
      ENDED_STATES.map((s) => [s, rows.reduce((n, r) => n + r.jobs[s], 0)]),
    ) as SavingsRow['jobs'],
    westwind: sumTotals(rows.map((r) => r.westwind)),
    fifo: sumTotals(rows.map((r) => r.fifo)),
  };
}

/** A row as people read it: MWh to the kWh, kg and cost to three decimals, with what was avoided. */
export function rowFigures(row: SavingsRow) {
  const figures = (totals: EnergyTotals) => {
    const { greenShare: _, ...rounded } = energyFigures(totals);
    return rounded;
  };
  const saved = avoided(row);
  const jobs = row.jobs.completed + row.jobs.failed + row.jobs.cancelled;
  return {
    tenant: row.tenant,
    jobs,
    ...row.jobs,
    westwind: figures(row.westwind),
    fifo: figures(row.fifo),
    avoided: {
      gridMwh: round3(saved.gridMwh),
      peakGridMwh: round3(saved.peakGridMwh),
      carbonKg: round3(saved.carbonKg),
      cost: round3(saved.cost),
    },
  };
}

export type RowFigures = ReturnType<typeof rowFigures>;

function round3(value: number): number {
  return Math.round(value * 1000) / 1000 || 0;
}

/** Months the report keeps: the current one and the 12 before it. */
export const SAVINGS_MONTHS_KEPT = 13;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The calendar month in UTC (`YYYY-MM`) holding the instant `ms`. */
export function monthOf(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toFormat('yyyy-MM');
}

/** The UTC month `YYYY-MM` as [start, end), or undefined when the text is not one. */
export function monthRange(text: string): { start: DateTime; end: DateTime } | undefined {
  const match = MONTH.exec(text);
  if (!match) return undefined;
  const start = DateTime.utc(Number(match[1]), Number(match[2]), 1);
  return { start, end: start.plus({ months: 1 }) };
}

/** The oldest and newest month the report holds at `now`: now's month and the 12 before it. */
export function keptMonths(now: DateTime): { oldest: string; newest: string } {
  const newest = now.toUTC().startOf('month');
  return {
    oldest: newest.minus({ months: SAVINGS_MONTHS_KEPT - 1 }).toFormat('yyyy-MM'),
    newest: newest.toFormat('yyyy-MM'),
  };
}

/** When a month's figures are let go: once it is no longer among the kept months. */
export function monthExpiry(month: string): DateTime {
  return monthRange(month)!.start.plus({ months: SAVINGS_MONTHS_KEPT });
}
