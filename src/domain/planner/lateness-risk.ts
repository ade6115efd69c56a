import { DateTime } from 'luxon';
import { PEAK_CHANCE_THRESHOLD } from '../signals/site-signals.js';
import { HOUR_MS } from '../time/hours.js';
import type { Plan, PlanJobState, Segment } from './plan-types.js';

/**
 * A job counts as at risk of finishing late from this chance on (dashboard headline, `westwind_late_risk_jobs`): the
 * same chance at which an hour that may turn out a peak counts as one.
 */
export const LATE_RISK_THRESHOLD = PEAK_CHANCE_THRESHOLD;

/** What `lateRisk` reads of a job. */
export interface RiskJob {
  deadline: DateTime;
  /**
   * Whether a peak moves its work: deferrable, and not running without pauses (a running job that may not be
   * interrupted runs on through a peak).
   */
  movedByPeaks: boolean;
}

/** Where a job is planned: its segments (hours from the plan's start) and its finish, if its last hour is part used. */
export interface PlannedHours {
  segments: readonly Pick<Segment, 'site' | 'startHour' | 'endHour'>[];
  /** The planned finish (UTC ISO); default: the end of the last segment. */
  finish?: string;
}

/**
 * The chance that hour `hour` (from the plan's start) at `site` turns out a peak the plan did not count as one: a job
 * planned there would have to pause and do that hour's work later.
 */
export type SurprisePeakChance = (site: string, hour: number) => number;

/**
 * The joint draws of a site's peaks (`zonePeakDraws`): `draws[d][hour]` is 1 where the hour is a peak in draw d.
 * Undefined where the site's peaks are not drawn (certain, or no load forecast error known).
 */
export type SitePeakDraws = (site: string) => readonly ArrayLike<number>[] | undefined;

/**
 * The probability that a job finishes after its deadline because hours the plan takes as off-peak turn out peaks
 * (the load came in higher than its forecast: `zonePeakChance`).
 *
 * Model: each planned hour of a deferrable job that turns peak moves its work (a whole hour, the last one too) after
 * the planned finish; the job is late when more hours move than whole hours lie between its planned finish and its
 * deadline. Counted over the joint draws behind the peak chances (`drawsAt`): the share of draws in which more of
 * the job's hours that can surprise are peaks than it has room for. Load errors move together along a day (AR(1) 0.9
 * in `peakChanceFromLoad`), so neighbouring hours turn peak together; taking hours as independent erred 2x high with
 * no room and 4x–60x low with one or two hours of it. Within a zone a draw is joint. Hours at sites of different
 * zones read the same draw index; the zones' draws are not independent streams: `peakChanceFromLoad` seeds each
 * local day by its day number, so zones on the same local day draw the same standardised errors (aligned by local
 * hour), and a job split across zones counts their errors as moving together. Where an hour that can surprise has no
 * draws, the hours are taken as independent (Poisson-binomial over the chances, `chanceOfMoreThan`).
 * Remaining assumptions, and which way each errs:
 * - Only the load forecast's error is drawn: green supply, prices and events the forecast misses are not.
 * - 200 draws: a risk is good to about ±0.02 at 0.1, and below 1/200 it reads 0.
 * - Displaced work finds free, off-peak hours between the planned finish and the deadline, with no checkpoint
 *   overhead: errs low.
 * - A job out of room is late; the planner would rather run it through the peak (only a deadline outweighs the
 *   peak rule), so this is the chance of being late or running in a peak: errs high on lateness alone.
 * Non-deferrable jobs run through peaks: risk 0 from this cause. A job planned past its deadline, or not placed, is 1.
 */
export function lateRisk(
  job: RiskJob,
  planned: PlannedHours,
  planStart: DateTime,
  surprisePeak: SurprisePeakChance,
  drawsAt: SitePeakDraws = () => undefined,
): number {
  const lastEnd = Math.max(-Infinity, ...planned.segments.map((s) => s.endHour));
  if (!Number.isFinite(lastEnd)) return 1;
  const finishMs = planned.finish !== undefined ? Date.parse(planned.finish) : planStart.toMillis() + lastEnd * HOUR_MS;
  // 1 ms as plan() allows: a finish at the deadline is on time.
  const spareMs = job.deadline.toMillis() + 1 - finishMs;
  if (spareMs < 0) return 1;
  if (!job.movedByPeaks) return 0;
  const room = Math.floor(spareMs / HOUR_MS);
  const chances: number[] = [];
  // The hours that can surprise, each with its site's draws.
  const drawn: { hour: number; draws: readonly ArrayLike<number>[] | undefined }[] = [];
  for (const segment of planned.segments)
    for (let h = segment.startHour; h < segment.endHour; h++) {
      const p = surprisePeak(segment.site, h);
      chances.push(p);
      // Hours that cannot turn peak change nothing: most jobs have none that can, and a re-plan holds thousands.
      if (p > 0) drawn.push({ hour: h, draws: drawsAt(segment.site) });
    }
  if (drawn.length <= room) return 0;
  if (drawn.some((d) => !d.draws?.length)) return chanceOfMoreThan(chances, room);
  const count = Math.min(...drawn.map((d) => d.draws!.length));
  let late = 0;
  for (let d = 0; d < count; d++) {
    let peaks = 0;
    for (const { hour, draws } of drawn) if (draws![d][hour]) peaks++;
    if (peaks > room) late++;
  }
  return late / count;
}

/**
 * P(more than `room` of independent events with these chances happen): Poisson-binomial by dynamic programming over
 * counts up to `room` (the mass beyond is the answer), O(events × room).
 */
export function chanceOfMoreThan(chances: readonly number[], room: number): number {
  if (room < 0) return 1;
  // Hours that cannot turn peak change nothing: most jobs have none that can, and a re-plan holds thousands of jobs.
  const possible = chances.filter((p) => p > 0);
  if (possible.length <= room) return 0;
  const atMost = new Float64Array(room + 1);
  atMost[0] = 1;
  for (const raw of possible) {
    const p = Math.min(1, raw);
    for (let k = room; k >= 1; k--) atMost[k] = atMost[k] * (1 - p) + atMost[k - 1] * p;
    atMost[0] *= 1 - p;
  }
  const onTime = atMost.reduce((sum, q) => sum + q, 0);
  return Math.min(1, Math.max(0, 1 - onTime));
}

/** A site's peak flags and, where its peaks are judged on a load forecast with error, each hour's chance of one. */
export interface RiskSite {
  id: string;
  peak: ArrayLike<number>;
  /** Absent: the peaks are certain (no hour the plan takes as off-peak turns into one). */
  peakChance?: ArrayLike<number>;
  /** The joint draws behind `peakChance` (`SitePeakDraws`); absent: its hours are taken as independent. */
  peakDraws?: readonly ArrayLike<number>[];
}

/**
 * Chances of peaks the plan did not count: an hour it already counts as a peak was held knowingly (its chance is
 * priced in), so only the hours it takes as off-peak can surprise.
 */
export function surprisePeaks(sites: readonly RiskSite[]): SurprisePeakChance {
  const bySite = new Map(sites.map((s) => [s.id, s]));
  return (site, hour) => {
    const s = bySite.get(site);
    if (!s?.peakChance || s.peak[hour]) return 0;
    return s.peakChance[hour] ?? 0;
  };
}

/** What `planLateRisks` reads of each job planned. */
export interface RiskPlanJob {
  deadline: DateTime;
  deferrable: boolean;
  interruptible: boolean;
  state: PlanJobState;
}

/** Every job's late risk in a plan (`lateRisk`), by job id. */
export function planLateRisks(
  plan: Pick<Plan, 'start' | 'jobs'>,
  jobs: ReadonlyMap<string, RiskPlanJob>,
  sites: readonly RiskSite[],
): Map<string, number> {
  const planStart = DateTime.fromISO(plan.start, { zone: 'utc' });
  const surprise = surprisePeaks(sites);
  const bySite = new Map(sites.map((s) => [s.id, s.peakDraws]));
  const drawsAt: SitePeakDraws = (site) => bySite.get(site);
  const risks = new Map<string, number>();
  for (const part of plan.jobs) {
    const job = jobs.get(part.jobId);
    if (!job) continue;
    const movedByPeaks = job.deferrable && (job.interruptible || job.state !== 'running');
    risks.set(part.jobId, lateRisk({ deadline: job.deadline, movedByPeaks }, part, planStart, surprise, drawsAt));
  }
  return risks;
}
