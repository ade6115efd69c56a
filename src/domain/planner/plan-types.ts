import type { DateTime } from 'luxon';
import type { PowerCurve } from '../energy/power-curve.js';

/**
 * The planner's view of the world: UTC hours from `start` (hour 0) to `start + hours`, sites with
 * their capacity and per-hour signals, and the jobs not yet finished. Plain data, no clock reads:
 * the same input always gives the same plan.
 */
export interface PlanInput {
  /** Start of hour 0; the planner works in whole hours from here (floor `now` to the hour). */
  start: DateTime;
  /** When the plan is made, within hour 0 (defaults to `start`): a job started now runs only the rest of hour 0. */
  now?: DateTime;
  /**
   * An earlier plan already decided hour 0 (it was made after `start`): jobs running now keep
   * running through it, so re-plans within an hour do not undo that hour's decisions.
   */
  hourDecided?: boolean;
  hours: number;
  sites: PlanSite[];
  jobs: PlanJob[];
  options?: Partial<PlanOptions>;
  /**
   * The plan made before this one (a re-plan's warm start): each job keeps the hours it gave it where they still hold,
   * and the whole is improved again; the better of this and a fresh plan is kept.
   */
  earlier?: EarlierPlan;
  /** Prices that guide a second greedy placement (see `PlanGuide`); the better of the two plans is kept. */
  guide?: PlanGuide;
}

/** What a warm start takes from the plan before: the start of its hour 0, and each job's segments. */
export interface EarlierPlan {
  start: string;
  jobs: readonly Pick<JobPlan, 'jobId' | 'segments'>[];
}

/**
 * The shadow price of a GPU-hour at each site-hour (`sites × hours` of the input, site-major), in the objective's
 * units: the LP relaxation's dual of each site-hour's GPU row (`lpBound`). Added to a job's cost per GPU in greedy
 * placement, it makes a job with room to move leave the hours other jobs need more (the chains across days that
 * single-job moves and the search do not find).
 */
export interface PlanGuide {
  gpuHourPrice: Float64Array;
}

export interface PlanSite {
  id: string;
  /** IANA time zone, for the words in reasons ("peak 17:00–22:00 Asia/Shanghai"). */
  timeZone: string;
  gpus: number;
  kwPerGpu: number;
  pue: number;
  /** The site can cap a running job's GPU power (setPower); absent: it cannot, and the planner pauses instead. */
  capsPower?: boolean;
  /** One value per hour, `hours` long. */
  signals: SiteSignals;
}

export interface SiteSignals {
  /** Renewable power available to the site, MW. */
  greenMw: ArrayLike<number>;
  /** 1 in the zone's peak hours. */
  peak: ArrayLike<number>;
  /** Cap on grid import, MW; Infinity where none. */
  importCapMw?: ArrayLike<number>;
  carbonGPerKwh?: ArrayLike<number>;
  pricePerMwh?: ArrayLike<number>;
  /**
   * Hours with a forecast, from hour 0 (default: all): beyond them no renewable supply is assumed, and reasons say
   * so.
   */
  forecastHours?: number;
}

export type PlanJobState = 'queued' | 'scheduled' | 'running' | 'paused';

export interface PlanJob {
  id: string;
  gpus: number;
  /** Work left, in hours at full allocation (checkpoint overhead not included). */
  remainingHours: number;
  earliestStart: DateTime;
  deadline: DateTime;
  deferrable: boolean;
  interruptible: boolean;
  checkpointMinutes: number;
  priority: number;
  /** Allowed sites; undefined means all. */
  sites?: readonly string[];
  state: PlanJobState;
  /** Where a running or paused job is now. */
  currentSite?: string;
  /** When a running job last started or resumed: it runs at least `minSegmentHours` from then. */
  runningSince?: DateTime;
  /** Hours of data transfer before the job can start at a site (away from its data region). */
  transferHours?: Readonly<Record<string, number>>;
  /** How it bends under a GPU power cap; absent: it runs at full power or not at all. */
  power?: PowerCurve;
  /** Order of arrival, for fifo; defaults to earliestStart. */
  submittedAt?: DateTime;
  /** Queued although its deadline could not be met then: its deadline yields to those of jobs accepted on time. */
  acceptedLate?: boolean;
}

export type Objective = 'green' | 'carbon' | 'cost';
export type Strategy = 'westwind' | 'fifo' | 'peak-pause';

export interface PlanOptions {
  strategy: Strategy;
  objective: Objective;
  /** Grid energy in peak hours counts this many times over (green objective). */
  peakWeight: number;
  /** No segment shorter than this many hours. */
  minSegmentHours: number;
  /**
   * No segment of a job that has started (running or paused) shorter than this many hours, its last aside and a
   * running job's current run counted from the hour it started in: each segment costs a restore, and in a rolling
   * re-plan the 1-hour hops between sites that a fresh plan finds seldom survive to be run. Shorter ones where only
   * they keep its deadline.
   */
  startedMinSegmentHours: number;
  /**
   * A running job goes on with the run the plan before gave it (`PlanInput.earlier`) for up to this many hours from
   * hour 0, at its site and until that plan's run or the first peak hour ends (0: not kept). Hours held this way yield
   * to a job that would otherwise miss its deadline, as a started job's longer minimum segment does. Re-planned freely
   * every hour, runs were cut short by small gains that a later re-plan took back: in the reference week's replay
   * (5% forecast error) 446 of 756 pauses stopped a job its plan of the hour before had running.
   */
  keptRunHours: number;
  /** A running job moves to another site only if that is cheaper by more than this fraction. */
  moveHysteresis: number;
  /** Work the search after greedy placement may do, in job placements per job (0: none). */
  searchPlacementsPerJob: number;
  /**
   * Work budget of the ejection chains after the search, in units of about one hour of a window scanned or a placement
   * changed (counted, not timed, so a plan stays the same on a busy machine); 0: none. They run for a plan from
   * scratch (nothing running or paused) and in re-plans with jobs announced ahead (see `chainsRun` in plan.ts). On the
   * 1,474-job reference week 120M units (about 90M used in 40 rounds) give objective 25.9 against 30.6 with 20M and
   * 35.5 without chains; the whole plan takes 1.8 s built on a quiet machine here (session 35), about 40% of it the
   * chains (once per start: the greedy one and fifo's).
   */
  chainWorkUnits: number;
  /**
   * Deferrable jobs finish this many hours before their deadline where they can (at most a quarter
   * of their slack): room for forecast revisions and late restores. A non-interruptible job keeps at
   * least a quarter of its length. 0 plans up to the deadline.
   */
  deadlineMarginHours: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  strategy: 'westwind',
  objective: 'green',
  peakWeight: 10,
  minSegmentHours: 1,
  startedMinSegmentHours: 2,
  keptRunHours: 3,
  moveHysteresis: 0.2,
  searchPlacementsPerJob: 10,
  chainWorkUnits: 120_000_000,
  deadlineMarginHours: 2,
};

/** A contiguous run of hours at one site: [startHour, endHour). */
export interface Segment {
  site: string;
  startHour: number;
  endHour: number;
  start: string;
  end: string;
  /**
   * The share of its full power the job runs at in this segment (a GPU power cap, within the job's
   * declared curve); absent = 1, full power.
   */
  powerFraction?: number;
}

export interface JobPlan {
  jobId: string;
  site?: string;
  segments: Segment[];
  /** End of the last hour with work, UTC ISO; undefined if it cannot be placed within the horizon. */
  finish?: string;
  meetsDeadline: boolean;
  /** Pauses inside the plan (gaps between segments, plus a pause now for a running job that stops). */
  pauses: number;
  /** Hours it runs in its site's peak hours (deferrable jobs only when nothing else meets the deadline). */
  peakHours: number;
  /** Energy it holds in those peak hours, MWh, as the peak rule counts it (`peakHeldMw`, objective.ts). */
  peakMwh: number;
  reason: string;
  /**
   * The chance it finishes after its deadline, from peaks the load forecast may have wrong (0–1): set after plan() by
   * `planLateRisks` (lateness-risk.ts); plan() leaves it out.
   */
  lateRisk?: number;
}

export interface SiteHourLoad {
  gpus: number;
  /** Average power over the hour: MWh in that hour. */
  mw: number;
  /** Power while all jobs holding the hour run: what an import cap limits. */
  drawMw: number;
  greenMw: number;
  gridMw: number;
}

export interface PlanTotals {
  energyMwh: number;
  greenMwh: number;
  gridMwh: number;
  peakGridMwh: number;
  carbonKg: number;
  cost: number;
  pauses: number;
  deadlineMisses: number;
  /** Hours deferrable jobs run in peak hours (each one only because nothing else meets a deadline). */
  deferrablePeakHours: number;
  /** Their energy in those hours, MWh, as the peak rule counts and prices it (objective.ts). */
  deferrablePeakMwh: number;
  /**
   * Σ weight × grid MWh under the chosen objective (objective.ts): for green, gridMwh + (peakWeight − 1) ×
   * peakGridMwh.
   */
  objective: number;
}

export interface Plan {
  start: string;
  hours: number;
  strategy: Strategy;
  jobs: JobPlan[];
  /** Per site id, one entry per hour. */
  load: Record<string, SiteHourLoad[]>;
  totals: PlanTotals;
}
