import { DateTime } from 'luxon';
import { energyPerWork, throughputAt } from '../energy/power-curve.js';
import { jobPowerMw } from '../energy/power.js';
import { IntSlab } from './int-slab.js';
import { ChainPlanner, chainLatest, runChains } from './plan-chains.js';
import { describePlacement } from './plan-reasons.js';
import {
  capThroughPeaks,
  cappedFractions,
  capUnderImportCaps,
  PowerCapPlanner,
  throttleInsteadOfPausing,
} from './plan-power-caps.js';
import { Candidate, EPSILON, hasStarted, onTime, Task, taskWith, underWay } from './plan-task.js';
import { capWhereCheaper, improve, repairDeadlines, search, SearchPlanner } from './plan-search.js';
import {
  DEFAULT_PLAN_OPTIONS,
  EarlierPlan,
  JobPlan,
  Plan,
  PlanInput,
  PlanJob,
  PlanOptions,
  PlanTotals,
  Segment,
} from './plan-types.js';
import { cheapestHours, cheapestRun, earliestHours, earliestRun, segmentCount, Selection } from './slot-selection.js';
import { SiteHours } from './site-hours.js';
import { peakHeldMw, peakPenalty, planCost } from './objective.js';

/** Among equal costs, earlier hours win: earlier finishes, and contiguous runs instead of scattered hours. */
const EARLIER_IS_BETTER = 1e-7;
/** Re-plans at most with the late jobs placed first. */
const LATE_FIRST_ROUNDS = 3;
/** A job that has started keeps this much of its deadline margin while its slack from submission allows (`dueHour`). */
const STARTED_MARGIN_HOURS = 1;
/** A running job with less slack than this, or than this share of its work left, keeps running to its end. */
const NEAR_DEADLINE_SLACK_HOURS = 2;
const NEAR_DEADLINE_WORK_SHARE = 0.25;
/**
 * A non-interruptible job's deadline margin is at least this share of its length (docs/planner.md, "A margin before
 * the deadline"): a 28 h block planned at its latest start finished 7 h late at 20% forecast error (issue #21).
 */
const BLOCK_MARGIN_SHARE = 0.25;
/** Above this many jobs the second start (see `plan`) runs only to keep deadlines: it doubles the time. */
const SECOND_START_MAX_JOBS = 5_000;
/**
 * A plan from scratch of up to this many jobs also places them largest first (`largestFirstRuns`): the time is there
 * (the greedy start of 300 jobs of the reference week took 0.6 s here, 0.8 s with it; of 500 jobs 0.4 and 0.7 s). On
 * the 1,474-job weeks it would add 1–2 s to plans at the 2 s budget, and it never beat the fifo start there.
 */
const LARGEST_FIRST_MAX_JOBS = 500;
/** Plans larger than this skip the ejection chains (plan-chains.ts; their budget: `PlanOptions.chainWorkUnits`). */
const CHAIN_MAX_JOBS = 2_000;

/** All allowed sites at once: each hour at the site where it is cheapest. */
const ANY_SITE = -1;

/**
 * Plans every job onto a site and hours. Pure: no clock, no I/O; same input, same plan.
 * Committed hours of running jobs are held first; then jobs are placed one at a time, least
 * flexible first, each where it adds the least weighted grid energy given what is already placed;
 * then single-job moves, deadline repair and a bounded large-neighbourhood search. A small plan from
 * scratch is also placed largest first (`largestFirstRuns`). The same moves also improve fifo's plan,
 * and the cheapest plan is kept (docs/planner.md).
 */
export function plan(input: PlanInput): Plan {
  const first = planStart(input, 'greedy');
  return secondStartRuns(input, first) ? betterPlan(input, first, planStart(input, 'fifo')) : first;
}

/** The two starts of `plan()`, which a caller may run side by side where `secondStartRuns(input)`. */
export type PlanStart = 'greedy' | 'fifo';

/**
 * One start of `plan()`. `greedy`: the greedy placement (and, where the input carries the LP's prices, the guided one),
 * against the warm start where the input carries the plan before; the better goes on. `fifo`: fifo's plan (earliest
 * hours: every deadline an earliest-first order keeps), improved by the same moves, none of which makes a job late.
 */
export function planStart(input: PlanInput, start: PlanStart): Plan {
  if (start === 'fifo')
    return improveFrom(input, placeAll({ ...input, options: { ...input.options, strategy: 'fifo' } }));
  const strategy = input.options?.strategy ?? DEFAULT_PLAN_OPTIONS.strategy;
  const unguided = greedyPlan(input);
  if (strategy !== 'westwind') return unguided;
  const guided = input.guide && greedyPlan(input, { gpuHourPrice: input.guide.gpuHourPrice });
  const largestFirst = largestFirstRuns(input) ? greedyPlan(input, { largestFirst: true }) : undefined;
  const greedy = [guided, largestFirst].reduce<Plan>((best, p) => (p ? betterPlan(input, best, p) : best), unguided);
  // A warm start: the previous plan, where it still holds, improved again. Each re-plan then goes on
  // from the last one's improvements instead of starting afresh.
  const warm = input.earlier && improveFromEarlier(input, input.earlier);
  return warm ? betterPlan(input, greedy, warm) : greedy;
}

/**
 * Whether the fifo start runs after `first`, the greedy start: where `first` misses a deadline, and for a first plan
 * of up to SECOND_START_MAX_JOBS jobs (nothing running or paused) — without `first`, whether it runs whatever the
 * greedy start gives, so a caller may run both at once. Not in re-plans while work is under way: switching starts from
 * hour to hour packed jobs against their deadlines, and later arrivals made 2–4 of 1,474 late in the reference week's
 * replays.
 */
export function secondStartRuns(input: PlanInput, first?: Plan): boolean {
  if ((input.options?.strategy ?? DEFAULT_PLAN_OPTIONS.strategy) !== 'westwind') return false;
  if (!underWay(input) && input.jobs.length <= SECOND_START_MAX_JOBS) return true;
  return !!first && first.totals.deadlineMisses > 0;
}

/** `b` where it is better than `a` (fewer misses, then the planner's cost), else `a`. */
export function betterPlan(input: PlanInput, a: Plan, b: Plan): Plan {
  return (missOrder(input)(b, a) || planCost(b.totals) - planCost(a.totals)) < 0 ? b : a;
}

/**
 * Orders plans by their missed deadlines (negative: `a` misses fewer): first those of jobs accepted on time, then all,
 * then how late they finish in all. A job accepted on time is not pushed late by one queued late (`acceptedLate`) after
 * it, whatever that saves; and a job that can no longer be on time runs as soon as it can (least lateness): the plan
 * that starts it before running jobs with slack beats the one that keeps it waiting behind them (the 20% forecast-error
 * replay's late job waited 8 h that way, issue #21).
 */
function missOrder(input: PlanInput): (a: Plan, b: Plan) => number {
  const acceptedLate = new Set(input.jobs.filter((j) => j.acceptedLate).map((j) => j.id));
  const deadlineMs = new Map(input.jobs.map((j) => [j.id, j.deadline.toMillis()]));
  // A job placed nowhere in the horizon counts as finishing just after it.
  const unplacedMs = input.start.plus({ hours: input.hours + 1 }).toMillis();
  const misses = (plan: Plan) => {
    const missed = plan.jobs.filter((j) => !j.meetsDeadline);
    let lateMs = 0;
    for (const j of missed)
      lateMs += (j.finish ? DateTime.fromISO(j.finish).toMillis() : unplacedMs) - deadlineMs.get(j.jobId)!;
    return { promised: missed.filter((j) => !acceptedLate.has(j.jobId)).length, all: missed.length, lateMs };
  };
  return (a, b) => {
    const [x, y] = [misses(a), misses(b)];
    return x.promised - y.promised || x.all - y.all || Math.sign(x.lateMs - y.lateMs);
  };
}

/**
 * Whether the greedy start also places the jobs largest first: for a plan from scratch of up to LARGEST_FIRST_MAX_JOBS
 * jobs. A job that needs a whole site finds an hour with every GPU free only if it chooses before the small jobs that
 * fill such hours; least slack first, a small job with little room takes those hours and the large one runs in a
 * peak. On the 40-job reference slice from hour 0 largest first gave objective 0.289 against 0.357 (its 10-minute
 * MIP: 0.263), and was kept on 11 of 20 slices of 120 and 300 jobs (docs/planner-benchmark.md).
 * Not in re-plans while work is under way, where least slack first guards the deadlines of jobs already started; nor
 * where every job has the same GPUs, where the order and so the plan would be the same.
 */
function largestFirstRuns(input: PlanInput): boolean {
  return (
    !underWay(input) &&
    input.jobs.length <= LARGEST_FIRST_MAX_JOBS &&
    new Set(input.jobs.map((job) => job.gpus)).size > 1
  );
}

/** The order and prices of one greedy placement (`placeAll`). */
interface PlaceOptions {
  /** Running jobs choose before waiting ones (default true). */
  runningFirst?: boolean;
  /** Deferrable jobs placed before all other deferrable jobs (late in an earlier round). */
  first?: ReadonlySet<string>;
  /** Added to the placement's costs (`PlanGuide`). */
  gpuHourPrice?: Float64Array;
  /** Deferrable jobs by GPUs, most first, then by slack (`largestFirstRuns`). */
  largestFirst?: boolean;
  /** The ejection chains run where they may (default true). */
  withChains?: boolean;
}

/** Least-slack-first placement, improved; re-placed with late jobs first while any is late. */
function greedyPlan(input: PlanInput, options: Pick<PlaceOptions, 'gpuHourPrice' | 'largestFirst'> = {}): Plan {
  // Running jobs choose their hours before waiting ones, so equal costs never swap them for waiting
  // jobs (each swap costs a checkpoint, and operators see jobs flap).
  let best = placeAll(input, options);
  const strategy = input.options?.strategy ?? DEFAULT_PLAN_OPTIONS.strategy;
  if (strategy !== 'westwind' || best.totals.deadlineMisses === 0) return best;
  // Where a deadline is missed, place the late jobs first (then by slack, running jobs no longer
  // first): keep the plan with fewer misses.
  const late = new Set<string>();
  const byMisses = missOrder(input);
  let latest = best;
  let won: ReadonlySet<string> | undefined;
  for (let round = 0; round < LATE_FIRST_ROUNDS && latest.totals.deadlineMisses > 0; round++) {
    // Every job found late so far goes first: a job placed first can push another one late.
    latest.jobs.forEach((j) => !j.meetsDeadline && late.add(j.jobId));
    // Rounds are judged by their misses, which the ejection chains do not change (they move no late job and make no
    // job late; how late the late ones finish may shift a little): only the round kept is placed again with them, the
    // costliest step of a plan from scratch.
    latest = placeAll(input, { ...options, runningFirst: false, first: late, withChains: false });
    if (byMisses(latest, best) < 0) [best, won] = [latest, new Set(late)];
  }
  return won && chainsRun(input) ? placeAll(input, { ...options, runningFirst: false, first: won }) : best;
}

/** Greedy placement (with `gpuHourPrice` added to its costs, if given), then the moves that improve it. */
function placeAll(input: PlanInput, options: PlaceOptions = {}): Plan {
  const { runningFirst = true, first = new Set<string>(), gpuHourPrice, largestFirst, withChains = true } = options;
  const planner = new Planner(input);
  const tasks = input.jobs.map((job) => planner.compile(job));
  const order = planner.placementOrder(tasks, runningFirst, first, largestFirst);
  planner.holdCommitments(order.map((t) => tasks[t]));
  planner.yieldToWorkDueNow(tasks, order);
  const placements = new Array<Candidate | undefined>(tasks.length);
  planner.capping = false;
  // Prices guide the placement only: the moves after it judge plans by the objective alone.
  planner.gpuHourPrice = gpuHourPrice;
  for (const t of order) placements[t] = planner.place(tasks[t]);
  planner.gpuHourPrice = undefined;
  if (planner.options.strategy === 'westwind')
    improvePlacements(planner, tasks, order, placements, { chains: withChains });
  return planOf(planner, tasks, placements);
}

/**
 * The moves after a first placement, in this order: single-job moves, deadline repair (`repair`), the search, the
 * ejection chains (`chains`; they run only where `chainsRun`), capping where it is cheaper and through peaks, running
 * on throttled instead of pausing, and late jobs finished sooner.
 */
function improvePlacements(
  planner: Planner,
  tasks: Task[],
  order: number[],
  placements: (Candidate | undefined)[],
  steps: { repair?: boolean; chains?: boolean } = {},
): void {
  improve(planner, tasks, order, placements);
  if (steps.repair ?? true) repairDeadlines(planner, tasks, order, placements);
  search(planner, tasks, order, placements);
  if (steps.chains ?? true) planner.chains(tasks, placements);
  capWhereCheaper(planner, tasks, order, placements);
  capThroughPeaks(planner, tasks, order, placements);
  throttleInsteadOfPausing(planner, tasks, order, placements);
  planner.finishLateSooner(tasks, placements);
}

/** The plan of these placements, once running jobs share any import cap (`capUnderImportCaps`). */
function planOf(planner: Planner, tasks: Task[], placements: (Candidate | undefined)[]): Plan {
  capUnderImportCaps(planner, tasks, placements);
  return planner.result(tasks.map((task, t) => planner.jobPlan(task, placements[t])));
}

/** Takes `seed`'s placements as they are, then improves them as a greedy placement is (`improvePlacements`). */
function improveFrom(input: PlanInput, seed: Plan): Plan {
  const planner = new Planner(input);
  const tasks = input.jobs.map((job) => planner.compile(job));
  const order = planner.placementOrder(tasks);
  const seedOf = new Map(seed.jobs.map((jp) => [jp.jobId, jp]));
  planner.capping = false;
  const placements = tasks.map((task) => planner.adopt(task, seedOf.get(task.job.id)));
  // No deadline repair: the seed is fifo's plan, on time wherever an earliest-first order can be.
  improvePlacements(planner, tasks, order, placements, { repair: false });
  return planOf(planner, tasks, placements);
}

/**
 * Takes an earlier plan's placements, moved to this input's hours, for every job they still hold for (`adoptEarlier`);
 * places the others as greedy does; then the same moves as a greedy placement (`improvePlacements`).
 */
function improveFromEarlier(input: PlanInput, earlier: EarlierPlan): Plan {
  const planner = new Planner(input);
  const tasks = input.jobs.map((job) => planner.compile(job));
  const order = planner.placementOrder(tasks);
  planner.holdCommitments(order.map((t) => tasks[t]));
  planner.yieldToWorkDueNow(tasks, order);
  const shift = hoursShift(input, earlier);
  const earlierOf = new Map(earlier.jobs.map((jp) => [jp.jobId, jp]));
  planner.capping = false;
  const placements = new Array<Candidate | undefined>(tasks.length);
  for (const t of order) placements[t] = planner.adoptEarlier(tasks[t], earlierOf.get(tasks[t].job.id), shift);
  for (const t of order) if (!placements[t]) placements[t] = planner.place(tasks[t]);
  improvePlacements(planner, tasks, order, placements);
  return planOf(planner, tasks, placements);
}

/** The earlier plan's hour h is this plan's hour h + shift (shift ≤ 0: it started earlier). */
function hoursShift(input: PlanInput, earlier: EarlierPlan): number {
  return Math.round(DateTime.fromISO(earlier.start).diff(input.start.toUTC().startOf('hour'), 'hours').hours);
}

/**
 * Ejection chains run for a plan of up to CHAIN_MAX_JOBS jobs from scratch (nothing running or paused), or while work
 * runs if jobs are announced ahead: there they have work to move that a re-plan of jobs known only since they could
 * start lacks. The reference week replayed with every job submitted a week ahead: 32.8 → 27.7 (static plan 25.9), and
 * 39.0 → 33.0 and 45.7 → 42.2 at 5% and 20% forecast error, none late; a day ahead 36.5 → 33.4 (session 32). In a
 * purely online stream they gained little and left 1–3 jobs late at 10–20% forecast error (sessions 19 and 32).
 */
function chainsRun(input: PlanInput): boolean {
  const units = input.options?.chainWorkUnits ?? DEFAULT_PLAN_OPTIONS.chainWorkUnits;
  return units > 0 && input.jobs.length <= CHAIN_MAX_JOBS && (!underWay(input) || announcedAhead(input));
}

/** A job is waiting for an earliest start after this hour: submitted ahead of when it may run. */
function announcedAhead(input: PlanInput): boolean {
  const nextHour = input.start.plus({ hours: 1 });
  return input.jobs.some((job) => job.state === 'queued' && job.earliestStart >= nextHour);
}

/**
 * What `siteCost` holds costs for: a task, placed as early as it can or not, on the site-hours at one `version` and
 * with one set of GPU-hour prices; and the rules its costs follow from those.
 */
interface SiteCostKey {
  task: Task;
  earliestFinish: boolean;
  version: number;
  price?: Float64Array;
  /** Weighted grid energy (westwind), else 0 wherever the job fits (earliest hours first). */
  weighByGrid: boolean;
  peakRule: 'ignore' | 'price' | 'avoid';
}

/**
 * Incremental re-plan after one new job: the previous plan stays as it is and the new job is
 * placed on top of it. Cheap (one placement); a full `plan` later re-optimises everything.
 */
export function planWithNewJob(previous: Plan, input: PlanInput, job: PlanJob): Plan {
  const planner = new Planner(input, previous);
  const task = planner.compile(job);
  return planner.result([...previous.jobs, planner.jobPlan(task, planner.place(task))]);
}

/**
 * Answers "where would this job go?" on top of a plan without changing it: for checks at
 * submission, many per second against one snapshot (tens of microseconds each).
 */
export class PlacementProbe {
  private readonly planner: Planner;

  constructor(input: PlanInput, previous?: Plan) {
    this.planner = new Planner(input, previous);
  }

  place(job: PlanJob): JobPlan {
    const task = this.planner.compile(job);
    return this.planner.jobPlan(task, this.planner.candidateFor(task));
  }

  /**
   * Places the job and, when it meets its deadline, keeps its hours for the probes after it: a
   * burst of submissions against one snapshot must not each be promised the same free hours.
   */
  hold(job: PlanJob): JobPlan {
    const task = this.planner.compile(job);
    const candidate = this.planner.candidateFor(task);
    const placed = this.planner.jobPlan(task, candidate);
    if (candidate && placed.meetsDeadline) this.planner.hold(task, candidate);
    return placed;
  }
}

class Planner implements ChainPlanner, PowerCapPlanner, SearchPlanner {
  /** Placements may run capped (jobs with a power curve); off until `capWhereCheaper` in a full plan. */
  capping = true;
  /** While set (greedy placement guided by a `PlanGuide`): each site-hour's price per GPU, added to its cost. */
  gpuHourPrice?: Float64Array;
  readonly options: PlanOptions;
  readonly siteHours: SiteHours;
  private readonly start: DateTime;
  private readonly now: DateTime;
  readonly hours: number;
  private readonly siteIndex: Map<string, number>;
  private readonly cost: Float64Array;
  private readonly scratch: Float64Array;
  private readonly picked: Int32Array;
  /** Where candidates' hours and sites are allocated. */
  private readonly slab: IntSlab;
  /** The site each entry of `cost` belongs to. */
  private readonly costSite: Int32Array;
  /**
   * Each site's costs for the job being placed, worked out once for all its candidates (`bestCandidate`, for each
   * window it tries): the all-sites candidate takes each hour's cheapest of them, the one-site candidates read them as
   * they are. Site s holds the hours [siteCostFrom[s], siteCostTo[s]) worked out for `siteCostKey`.
   */
  private readonly siteCost: Float64Array[];
  private readonly siteCostFrom: Int32Array;
  private readonly siteCostTo: Int32Array;
  private siteCostKey?: SiteCostKey;
  private readonly hourIso: string[] = [];
  private readonly localHourText: string[] = [];
  private readonly localDateText: string[] = [];
  /** The plan before's segments by job and its hours' shift to this plan's (`keptRunHours`), made on first use. */
  private earlierRuns?: { shift: number; segments: Map<string, readonly Segment[]> };

  constructor(
    readonly input: PlanInput,
    previous?: Plan,
  ) {
    this.options = { ...DEFAULT_PLAN_OPTIONS, ...input.options };
    this.start = input.start.toUTC().startOf('hour');
    this.now = input.now ?? this.start;
    this.hours = input.hours;
    this.siteIndex = new Map(input.sites.map((s, i) => [s.id, i]));
    this.siteHours = new SiteHours(input.sites, input.hours, this.options.objective, this.options.peakWeight);
    if (previous) this.loadPrevious(previous);
    this.cost = new Float64Array(input.hours);
    this.scratch = new Float64Array(input.hours);
    this.picked = new Int32Array(input.hours);
    this.slab = new IntSlab();
    this.costSite = new Int32Array(input.hours);
    this.siteCost = input.sites.map(() => new Float64Array(input.hours));
    this.siteCostFrom = new Int32Array(input.sites.length);
    this.siteCostTo = new Int32Array(input.sites.length);
  }

  compile(given: PlanJob): Task {
    // A copy the planner owns, its fields all in the object: jobs built by adding fields to a spread (as a plan
    // thread's input is, plan-transfer.ts) planned the reference week 30% slower, the hot loops reading their fields.
    const job = { ...given };
    const S = this.input.sites.length;
    const powerMw = new Float64Array(S);
    this.input.sites.forEach((site, s) => (powerMw[s] = jobPowerMw(job.gpus, site.kwPerGpu, site.pue)));
    const allowed = job.sites
      ? job.sites.map((id) => this.siteIndex.get(id)).filter((s): s is number => s !== undefined)
      : [...this.siteIndex.values()];
    const work = Math.max(0, job.remainingHours);
    const currentSite = job.currentSite ? (this.siteIndex.get(job.currentSite) ?? -1) : -1;
    const earliestHour = Math.max(0, Math.ceil(this.hoursFromStart(job.earliestStart) - EPSILON));
    const deadlineAt = Math.min(this.hours, this.hoursFromStart(job.deadline));
    const deadlineHour = Math.min(this.hours, Math.floor(deadlineAt + EPSILON));
    const minSegmentHours = this.minSegmentHours(job);
    const { committed, firmCommitted } = this.committedHours(job, work, currentSite, minSegmentHours);
    return {
      job,
      work,
      checkpointHours: job.checkpointMinutes / 60,
      earliestHour,
      deadlineHour,
      deadlineAt,
      dueHour: this.dueHour(job, work, earliestHour, deadlineHour),
      sites: allowed,
      powerMw,
      currentSite,
      committed,
      firmCommitted,
      minSegmentHours,
    };
  }

  /**
   * A job that has started (running or paused) pays a restore for each segment it has from here on, so none may be
   * shorter than `startedMinSegmentHours`; a waiting job's hours are only a proposal until it starts.
   */
  private minSegmentHours(job: PlanJob): number {
    return hasStarted(job)
      ? Math.max(this.options.minSegmentHours, this.options.startedMinSegmentHours)
      : this.options.minSegmentHours;
  }

  /**
   * A deferrable job planned to finish in its deadline's last hour has nothing left for a forecast
   * that moves the peak, a restore that takes longer or a site that fills up: where its slack
   * allows, it is placed to finish `deadlineMarginHours` earlier (at most a quarter of its slack),
   * and only at its deadline when nothing earlier fits. A non-interruptible job keeps at least a
   * quarter of its length (`BLOCK_MARGIN_SHARE`): its whole block must find a site free at once,
   * so a later arrival that takes one of its hours pushes all of it back. A job that has started
   * keeps `STARTED_MARGIN_HOURS` of it while the slack it had from its submission allows: a quarter
   * of the slack left now shrinks to nothing as it waits, and a job paused with 2–3 h to spare lost
   * its room to later arrivals.
   */
  private dueHour(job: PlanJob, work: number, earliestHour: number, deadlineHour: number): number {
    if (this.options.strategy !== 'westwind' || !job.deferrable) return deadlineHour;
    const hours = Math.ceil(work - EPSILON);
    const slack = deadlineHour - earliestHour - hours;
    const margin = this.options.deadlineMarginHours;
    const blockMargin = job.interruptible || margin === 0 ? 0 : Math.ceil(work * BLOCK_MARGIN_SHARE);
    let kept = Math.max(0, Math.min(Math.max(margin, blockMargin), Math.floor(slack / 4)));
    if (hasStarted(job)) {
      const submitted = Math.floor(this.hoursFromStart(job.submittedAt ?? job.earliestStart) + EPSILON);
      const slackSinceSubmitted = deadlineHour - Math.min(earliestHour, submitted) - hours;
      const held = Math.min(STARTED_MARGIN_HOURS, margin, Math.floor(slackSinceSubmitted / 4), slack);
      kept = Math.max(kept, held);
    }
    return deadlineHour - kept;
  }

  /**
   * Hours from hour 0 a running job keeps at its current site: all of its work when it may not be
   * interrupted or its deadline is near; else its minimum segment since it last started, and the current hour once a
   * plan has decided it (re-plans within an hour do not undo that hour's decisions). Those are firm; the hours a
   * started job's longer minimum segment adds are not: a run held through its second hour left a 32-GPU job that had to
   * start then no site with room, and it finished 49 minutes late (the reference week, 5% flat forecast error, seed 3).
   */
  private committedHours(
    job: PlanJob,
    work: number,
    currentSite: number,
    minSegmentHours: number,
  ): { committed: number; firmCommitted: number } {
    if (job.state !== 'running' || currentSite < 0 || work <= 0) return { committed: 0, firmCommitted: 0 };
    const all = Math.min(this.hours, Math.ceil(work - EPSILON));
    // Close to its deadline a pause or a move risks it (a late dispatch, a slow restore, no room to resume): it runs
    // on. A long job sooner: paused with 2.7 h to spare and 11.7 h left, a 32-GPU job found no site with 32 GPUs
    // free when it had to resume, and finished late (the reference week's replay at 5% forecast error, seed 6).
    const nearSlack = Math.max(NEAR_DEADLINE_SLACK_HOURS, work * NEAR_DEADLINE_WORK_SHARE);
    if (!job.interruptible || this.hoursFromStart(job.deadline) - work < nearSlack)
      return { committed: all, firmCommitted: all };
    let firm = this.input.hourDecided ? 1 : 0;
    let until = firm;
    if (job.runningSince) {
      // The base minimum from the instant it started; a longer one for a started job from the start of that hour, as
      // plans count hours: from a start at 07:03, 2 h held through 09:00–10:00 ran a job into a peak from 09:00.
      const base = job.runningSince.plus({ hours: this.options.minSegmentHours });
      const longer = job.runningSince.toUTC().startOf('hour').plus({ hours: minSegmentHours });
      firm = Math.max(firm, Math.ceil(this.hoursFromStart(base) - EPSILON));
      until = Math.max(firm, Math.ceil(this.hoursFromStart(longer) - EPSILON));
    }
    until = Math.max(until, this.keptRunHours(job, currentSite));
    return { committed: Math.min(all, until), firmCommitted: Math.min(all, firm) };
  }

  /**
   * Hours from hour 0 that the plan before had the running job go on at its site, at most `keptRunHours` and up to the
   * first peak hour (a deferrable job does not run into a peak that a forecast revision or a grid event just made).
   */
  private keptRunHours(job: PlanJob, s: number): number {
    const earlier = this.input.earlier;
    if (!earlier || this.options.keptRunHours <= 0) return 0;
    this.earlierRuns ??= {
      shift: hoursShift(this.input, earlier),
      segments: new Map(earlier.jobs.map((part) => [part.jobId, part.segments])),
    };
    const { shift, segments } = this.earlierRuns;
    const run = segments
      .get(job.id)
      ?.find(
        (segment) =>
          segment.site === this.input.sites[s].id && segment.startHour + shift <= 0 && segment.endHour + shift > 0,
      );
    if (!run) return 0;
    const end = Math.min(this.options.keptRunHours, run.endHour + shift);
    const peak = this.input.sites[s].signals.peak;
    let kept = 0;
    while (kept < end && !(job.deferrable && peak[kept] === 1)) kept++;
    return kept;
  }

  /**
   * Holds every running job's committed hours before anything is placed, so no job placed earlier
   * takes them; where the world changed (capacity or an import cap gone), a commitment ends at
   * the first hour it no longer fits.
   */
  holdCommitments(tasks: Task[]): void {
    for (const task of tasks) {
      if (task.committed === 0) continue;
      task.committed = this.committedHoursFitting(task);
      if (task.committed > 0) this.reserve(task, this.committedCandidate(task), 1);
    }
  }

  /**
   * Holds the hours another plan gave the task, as its placement; its committed hours are those of
   * them that continue at its current site from hour 0.
   */
  adopt(task: Task, planned: JobPlan | undefined): Candidate | undefined {
    if (!planned || planned.segments.length === 0) return undefined;
    const { hours, sites } = this.plannedHours(planned, 0);
    let kept = 0;
    while (kept < task.committed && hours[kept] === kept && sites[kept] === task.currentSite) kept++;
    task.committed = kept;
    const candidate = this.candidate(hours, sites, 0, this.workWithCheckpoints(task, hours, sites), task);
    this.reserve(task, candidate, 1);
    return candidate;
  }

  /**
   * Holds the hours an earlier plan gave the task, `shift` hours earlier here (the hours before hour 0 are gone), if
   * they still hold: allowed sites, inside its window, its committed hours first, one block if it may not be
   * interrupted or deferred, from its first hour if it may not be deferred, enough hours for its work (trailing ones it
   * no longer needs dropped), each still free, and a margin before the deadline: its due hour, and a quarter of its
   * work (taken over up to the due hour alone, plans packed a 12.7 h job against its deadline until a 20% forecast
   * error made it late). Else undefined, and nothing is held beyond its commitment. Capped hours are not taken over:
   * their work differs.
   */
  adoptEarlier(task: Task, planned: Pick<JobPlan, 'segments'> | undefined, shift: number): Candidate | undefined {
    if (!planned || planned.segments.some((segment) => (segment.powerFraction ?? 1) < 1)) return undefined;
    let { hours, sites } = this.plannedHours(planned, shift);
    const start = hours.findIndex((h) => h >= 0);
    if (start < 0 || hours.some((h) => h >= this.hours)) return undefined;
    [hours, sites] = [hours.subarray(start), sites.subarray(start)];
    for (let k = 0; k < hours.length; k++)
      if (sites[k] < 0 || !task.sites.includes(sites[k]) || hours[k] < this.firstHourAt(task, sites[k]))
        return undefined;
    for (let k = 0; k < task.committed; k++) if (hours[k] !== k || sites[k] !== task.currentSite) return undefined;
    // A job that may not be deferred runs as soon as it can, in one block: held back by the plan before (a grid
    // emergency since withdrawn), it is placed afresh.
    const oneBlock = !task.job.interruptible || !task.job.deferrable;
    if (oneBlock && segmentCount(hours, hours.length, sites) > 1) return undefined;
    if (!task.job.deferrable && hours[0] > this.firstHourAt(task, sites[0])) return undefined;
    // Trailing hours the work no longer needs (it ran ahead of the plan) are let go.
    let totalWork = this.workWithCheckpoints(task, hours, sites);
    for (let n = Math.max(1, Math.ceil(totalWork - EPSILON)); n < hours.length;) {
      [hours, sites] = [hours.subarray(0, n), sites.subarray(0, n)];
      totalWork = this.workWithCheckpoints(task, hours, sites);
      n = Math.max(1, Math.ceil(totalWork - EPSILON));
    }
    if (hours.length < Math.ceil(totalWork - EPSILON)) return undefined;
    const candidate = this.candidate(hours.slice(), sites.slice(), 0, totalWork, task);
    const latest = Math.min(task.dueHour, task.deadlineHour - Math.ceil(task.work * BLOCK_MARGIN_SHARE - EPSILON));
    if (candidate.finishHour > latest + EPSILON) return undefined;
    for (let k = task.committed; k < hours.length; k++)
      if (!this.siteHours.fits(sites[k] * this.hours + hours[k], task.job.gpus, task.powerMw[sites[k]]))
        return undefined;
    if (task.committed > 0) this.reserve(task, this.committedCandidate(task), -1);
    this.reserve(task, candidate, 1);
    return candidate;
  }

  /** A plan's hours and site indexes (−1: a site this input lacks), hour by hour, `shift` hours later. */
  private plannedHours(planned: Pick<JobPlan, 'segments'>, shift: number): { hours: Int32Array; sites: Int32Array } {
    const hours: number[] = [];
    const sites: number[] = [];
    for (const segment of planned.segments) {
      for (let h = segment.startHour; h < segment.endHour; h++) {
        hours.push(h + shift);
        sites.push(this.siteIndex.get(segment.site) ?? -1);
      }
    }
    return { hours: Int32Array.from(hours), sites: Int32Array.from(sites) };
  }

  /** The committed hours alone, as a placement. */
  private committedCandidate(task: Task): Candidate {
    const c = task.committed;
    const hours = Int32Array.from({ length: c }, (_, h) => h);
    const totalWork = Math.min(task.work, c);
    const sites = new Int32Array(c).fill(task.currentSite);
    return { hours, sites, totalWork, cost: 0, finishHour: totalWork, fractions: undefined };
  }

  /**
   * Indexes of `tasks` in the order they are placed; `runningFirst` puts running deferrable jobs
   * before waiting ones, and deferrable jobs in `first` go before all other deferrable jobs; `largestFirst` orders
   * jobs by GPUs, most first, before their slack.
   */
  placementOrder(
    tasks: Task[],
    runningFirst = true,
    first: ReadonlySet<string> = new Set(),
    largestFirst = false,
  ): number[] {
    const order = tasks.map((_, i) => i);
    if (this.options.strategy !== 'westwind') {
      const arrival = tasks.map((t) => (t.job.submittedAt ?? t.job.earliestStart).toMillis());
      return order.sort((a, b) => running(tasks[b]) - running(tasks[a]) || arrival[a] - arrival[b] || a - b);
    }
    // Fixed work first (running non-deferrable, then non-deferrable by start), then running
    // deferrable jobs, then the rest by slack: the job with the least room to move chooses first.
    // A deferrable job that must start in this hour to keep its deadline is fixed work too: a
    // non-deferrable job that arrived after it must not take the hour it was kept for.
    const latestStart = tasks.map((t) => t.deadlineHour - t.work);
    const mustStartNow = (t: number) => tasks[t].job.deferrable && this.mustStartNow(tasks[t]);
    // A job in `first` (late in an earlier round) goes before a non-deferrable one queued late after it.
    const rank = (t: number) => {
      const task = tasks[t];
      if (!task.job.deferrable) return running(task) ? 0 : task.job.acceptedLate ? 3 : 1;
      if (mustStartNow(t) && !running(task)) return 1;
      return first.has(task.job.id) ? 2 : runningFirst && running(task) ? 4 : 5;
    };
    const fixedWork = (t: number) => !tasks[t].job.deferrable || mustStartNow(t);
    const gpus = (t: number) => (largestFirst ? tasks[t].job.gpus : 0);
    return order.sort(
      (a, b) =>
        rank(a) - rank(b) ||
        (fixedWork(a) && fixedWork(b) ? tasks[a].earliestHour - tasks[b].earliestHour : 0) ||
        gpus(b) - gpus(a) ||
        latestStart[a] - latestStart[b] ||
        tasks[b].job.priority - tasks[a].job.priority ||
        a - b,
    );
  }

  /** Whether the task must start in hour 0 to finish by its deadline's minute, and still can. */
  private mustStartNow(task: Task): boolean {
    const latest = this.latestStartAt(task);
    return task.earliestHour === 0 && latest < 1 && latest >= 0;
  }

  /** When, in hours from hour 0, the task must start to finish by its deadline (a paused job's restore counted). */
  private latestStartAt(task: Task): number {
    return task.deadlineAt - task.work - (task.job.state === 'paused' ? task.checkpointHours : 0);
  }

  /**
   * Work due now — a waiting job that may not wait, or one that must start in hour 0 to finish by its deadline's minute
   * (or is late already) — that finds no site with room in hour 0 frees the hours of runs held only to go on (a
   * started job's longer minimum segment, the run kept from the plan before), largest first at the first site where
   * that makes room; they are placed again like the rest: a run cut short costs a restore, a deadline more. Freed
   * only by the deadline repair, which must keep every job it moves on time, they left a 32-GPU job of half an hour
   * that lost its hour to one queued after it waiting 3 h past its deadline (the reference week's replay at 5%
   * forecast error, seed 6, with kept runs).
   */
  yieldToWorkDueNow(tasks: Task[], order: number[]): void {
    for (const t of order) {
      const task = tasks[t];
      if (task.job.state === 'running' || task.earliestHour > 0) continue;
      if (task.job.deferrable && this.latestStartAt(task) >= 1) continue;
      const fitsAt = (s: number) => this.siteHours.fits(s * this.hours, task.job.gpus, task.powerMw[s]);
      if (task.sites.some(fitsAt)) continue;
      for (const s of task.sites) {
        const runs = tasks
          .filter((o) => o.currentSite === s && o.job.deferrable && o.firmCommitted === 0 && o.committed > 0)
          .sort((a, b) => b.job.gpus - a.job.gpus);
        const mark = this.siteHours.mark();
        let released = 0;
        while (released < runs.length && !fitsAt(s))
          this.reserve(runs[released], this.committedCandidate(runs[released++]), -1);
        if (fitsAt(s)) {
          this.siteHours.keep();
          for (let k = 0; k < released; k++) runs[k].committed = 0;
          break;
        }
        this.siteHours.undoTo(mark);
      }
    }
  }

  /** Chooses the task's site and hours given everything placed so far, and reserves them. */
  place(task: Task): Candidate | undefined {
    // Its committed hours were held for it: they are part of the candidate.
    if (task.committed > 0) this.reserve(task, this.committedCandidate(task), -1);
    const candidate = this.candidateFor(task);
    if (candidate) this.reserve(task, candidate, 1);
    return candidate;
  }

  /** The task's site and hours by the strategy's rule, given everything placed so far. */
  candidateFor(task: Task): Candidate | undefined {
    // A job that has started keeps its deadline before its longer minimum segment; deadline out of reach: offer the
    // earliest finish the sites can give, and plan that.
    return (
      this.onTimeCandidate(task) ??
      (this.shorterSegmentsAllowed(task) ? this.onTimeCandidate(this.withShortestSegments(task)) : undefined) ??
      this.bestCandidate(task, this.hours, true)
    );
  }

  /**
   * A job that has started and still finishes late takes the shorter segments where they finish it sooner: least
   * lateness comes before stable plans (one 2 h block at one site can wait hours for capacity that scattered hours
   * already have). On the finished plan only: while it is built, lateness is provisional (the deadline repair moves
   * others aside), and scattered hours taken then stayed in plans that kept every deadline (in the reference week's
   * replay, pauses 558 → 630 and checkpoint share 1.49% → 1.70%).
   */
  finishLateSooner(tasks: Task[], placements: (Candidate | undefined)[]): void {
    for (let t = 0; t < tasks.length; t++) {
      const task = tasks[t];
      const old = placements[t];
      if (!old || old.fractions || onTime(task, old)) continue;
      if (!this.shorterSegmentsAllowed(task)) continue;
      const mark = this.siteHours.mark();
      this.reserve(task, old, -1);
      const sooner = this.bestCandidate(this.withShortestSegments(task), this.hours, true);
      const next = sooner && sooner.finishHour < old.finishHour - EPSILON ? sooner : old;
      this.keepUnlessSame(task, old, next, mark);
      placements[t] = next;
    }
  }

  private shorterSegmentsAllowed(task: Task): boolean {
    return task.minSegmentHours > this.options.minSegmentHours;
  }

  private withShortestSegments(task: Task): Task {
    return taskWith(task, { minSegmentHours: this.options.minSegmentHours });
  }

  /**
   * The cheapest placement finishing by the job's due hour, else by its deadline; undefined if neither fits. Where
   * the whole margin would cost peak MWh, the job keeps half of it if that holds fewer: insurance against a forecast
   * that moves the peak or a later arrival is worth a peak hour only in part (all of it held 1 of 1,474 jobs late
   * at 5% forecast error in the reference week's replay; none of it, 2 peak hours on the 48 h slices).
   */
  onTimeCandidate(task: Task): Candidate | undefined {
    const full = this.onTimeCandidateAtFullPower(task);
    if (!this.capping || !task.job.power || !task.job.deferrable || this.options.strategy !== 'westwind') return full;
    if (full && this.placementCost(task, full, false) <= EPSILON) return full; // on green, off-peak: nothing to save
    let best = full;
    for (const fraction of cappedFractions(task.job.power)) {
      const capped = this.cappedVariant(task, fraction);
      if (capped && (!best || capped.cost < best.cost - EPSILON)) best = capped;
    }
    return best;
  }

  /**
   * The task run at `fraction` of its power in every hour it holds (#20): more hours, at less power each, and less
   * energy for the same work where its curve bends (0.5 of the power for 0.7 of the throughput: 0.71 of the energy).
   * Worth it where it saves the grid energy or the peak MWh the full-power placement would draw; the candidate's
   * cost is the capped power's. Only at sites that can cap power.
   */
  private cappedVariant(task: Task, fraction: number): Candidate | undefined {
    const sites = task.sites.filter((s) => this.input.sites[s].capsPower);
    if (sites.length === 0 || (task.committed > 0 && !sites.includes(task.currentSite))) return undefined;
    const rate = throughputAt(task.job.power, fraction);
    const work = task.work / rate;
    const variant = taskWith(task, {
      sites,
      work,
      powerMw: task.powerMw.map((mw) => mw * fraction),
      dueHour: this.dueHour(task.job, work, task.earliestHour, task.deadlineHour),
    });
    const candidate = this.onTimeCandidateAtFullPower(variant);
    if (!candidate) return undefined;
    // Work in full-power hours, as `reserve` counts it at the capped hours' throughput.
    return {
      hours: candidate.hours,
      sites: candidate.sites,
      totalWork: candidate.totalWork * rate,
      cost: candidate.cost,
      finishHour: candidate.finishHour,
      fractions: new Float64Array(candidate.hours.length).fill(fraction),
    };
  }

  onTimeCandidateAtFullPower(task: Task): Candidate | undefined {
    const due = task.dueHour < task.deadlineHour ? this.bestCandidate(task, task.dueHour, false) : undefined;
    if (!due) {
      const onTime = this.bestCandidate(task, task.deadlineHour, false);
      // A job that has started may take its deadline's own hour in every try (see `inLastPartHour`).
      return onTime ?? (hasStarted(task.job) ? this.inLastPartHour(task) : undefined);
    }
    const duePeakMwh = this.peakMwh(task, due);
    const halfMargin = task.deadlineHour - Math.ceil((task.deadlineHour - task.dueHour) / 2);
    if (duePeakMwh <= EPSILON || halfMargin <= task.dueHour) return due;
    const later = this.bestCandidate(task, halfMargin, false);
    return later && this.peakMwh(task, later) < duePeakMwh - EPSILON ? later : due;
  }

  /**
   * Where the whole hours before the deadline no longer hold the work: the earliest finish over the hours up to the
   * deadline's own, if the work is done by the deadline itself. Floored to its hour, a deadline at 14:21 left a paused
   * job needing 04:00–14:00; it took a running job's hours and that one finished 3 minutes late (the reference week's
   * replay at 5% forecast error, seed 1). Offered in every try to a job that has started; to others only where a group
   * is placed again and they needed it before (`placeAgain`; as a last resort, `candidateFor`'s earliest finish over
   * the whole horizon is the same placement wherever this one exists): in every try
   * of the moves after a fifo start it took 511–702 placements into deadline hours and left the plan worse (the
   * reference week from scratch 25.952 → 26.145, the flexible jobs' 20.793 → 22.249).
   */
  inLastPartHour(task: Task): Candidate | undefined {
    const end = Math.min(this.hours, Math.ceil(task.deadlineAt - EPSILON));
    if (end <= task.deadlineHour) return undefined;
    const candidate = this.bestCandidate(task, end, true);
    return candidate && onTime(task, candidate) ? candidate : undefined;
  }

  /** The MWh the placement holds in peak hours at full power: what the peak rule prices. */
  peakMwh(task: Task, candidate: Candidate): number {
    let mwh = 0;
    for (let k = 0; k < candidate.hours.length; k++)
      if (this.siteHours.peak[candidate.sites[k] * this.hours + candidate.hours[k]])
        mwh += task.powerMw[candidate.sites[k]] * (candidate.fractions?.[k] ?? 1);
    return mwh;
  }

  /**
   * Ejection chains (plan-chains.ts) on the placements: only where `chainsRun`, a plan from scratch (nothing running or
   * paused) or a re-plan with jobs announced ahead. Not in every re-plan of a purely online stream: in the rolling
   * replay of the reference week, re-plans with chains packed the Sunday night so tight that at 10% and 20% forecast
   * error jobs finished late (1–3 per run, none without them), with or without a reserve of half each job's slack;
   * and with perfect forecasts they gained 0.4%. In the warm start too: 1–2 late at 20%, and 1.4% worse with perfect
   * forecasts.
   */
  chains(tasks: Task[], placements: (Candidate | undefined)[]): void {
    if (!chainsRun(this.input)) return;
    // Chains from green peak hours and room across sizes (session 34) only in a first plan: nothing under way and no
    // plan before it. In the week's replay with jobs announced a day ahead, run in every re-plan they took its
    // objective from 33.4 to 36.9 (1 late) and 36.4, both 37.2; in re-plans while nothing ran 35.7; in the first plan
    // only 35.1 (a week ahead: 29.5 in every re-plan, 27.7 in the first plan only, as before).
    const firstPlan = !underWay(this.input) && !this.input.earlier;
    runChains(this, tasks, placements, firstPlan, this.options.chainWorkUnits);
  }

  /**
   * u's placement with its hour `fromH` at site `fromS` moved to hour `toH` at `toS`, or undefined where that breaks
   * its rules: an hour it holds already, one block for a job that may not pause, minSegmentHours, a finish after
   * its due hour (or after the finish it has, if later) or deadline. Where the move saves a checkpoint, fewer hours.
   */
  movedHour(task: Task, old: Candidate, fromH: number, fromS: number, toH: number, toS: number) {
    const n = old.hours.length;
    let at = -1;
    for (let k = task.committed; k < n; k++) if (old.hours[k] === fromH && old.sites[k] === fromS) at = k;
    if (at < 0 || toH < task.committed || toH < this.firstHourAt(task, toS)) return undefined;
    // Its hours without `at`, with toH in order.
    let hours = this.slab.take(n);
    let sites = this.slab.take(n);
    let j = 0;
    let placed = false;
    for (let k = 0; k < n; k++) {
      if (k === at) continue;
      if (old.hours[k] === toH) return undefined;
      if (!placed && toH < old.hours[k]) {
        hours[j] = toH;
        sites[j++] = toS;
        placed = true;
      }
      hours[j] = old.hours[k];
      sites[j++] = old.sites[k];
    }
    if (!placed) {
      hours[j] = toH;
      sites[j] = toS;
    }
    let totalWork = this.workWithCheckpoints(task, hours, sites);
    const needed = Math.max(1, Math.ceil(totalWork - EPSILON));
    if (needed > n) return undefined;
    if (needed < n) {
      hours = hours.subarray(0, needed);
      sites = sites.subarray(0, needed);
      totalWork = this.workWithCheckpoints(task, hours, sites);
    }
    if (!task.job.interruptible && segmentCount(hours, hours.length, sites) > 1) return undefined;
    if (this.hasShortSegment(task, hours, sites)) return undefined;
    if (this.shortStart(task, hours, sites)) return undefined;
    const candidate = this.candidate(hours, sites, 0, totalWork, task);
    const latest = chainLatest(task, old);
    return candidate.finishHour <= latest + EPSILON ? candidate : undefined;
  }

  /**
   * Holds `next` in place of `old`, released since `mark`: where it is `old` again, the site-hours go back to the mark
   * (exactly, not by adding its energy back).
   */
  keepUnlessSame(task: Task, old: Candidate, next: Candidate, mark: number): void {
    if (next === old) return this.siteHours.undoTo(mark);
    this.reserve(task, next, 1);
    this.siteHours.keep();
  }

  /**
   * Checkpoint energy priced as grid energy at the mean weight of the job's hours under the
   * objective (1 per MWh for green, its carbon or price otherwise), peak weight aside.
   */
  checkpointCost(task: Task, hours: Int32Array, sites: Int32Array, totalWork: number): number {
    if (totalWork <= task.work) return 0;
    let weight = 0;
    for (let k = 0; k < hours.length; k++) weight += this.siteHours.energyWeight[sites[k] * this.hours + hours[k]];
    return (totalWork - task.work) * task.powerMw[sites[0]] * (weight / hours.length);
  }

  /** Keeps a candidate's hours, as `place` does. */
  hold(task: Task, candidate: Candidate): void {
    this.reserve(task, candidate, 1);
  }

  /** Adds (sign 1) or removes (sign −1) a placement's GPUs and power. */
  reserve(task: Task, candidate: Candidate, sign: 1 | -1): void {
    const { sites, hours, fractions } = candidate;
    let workLeft = candidate.totalWork;
    for (let k = 0; k < hours.length; k++) {
      const power = fractions?.[k] ?? 1;
      // Capped, it works the hour at its curve's throughput; the last hour it works only as long as it needs.
      const rate = power < 1 ? throughputAt(task.job.power, power) : 1;
      const share = Math.min(1, workLeft / rate);
      workLeft -= share * rate;
      const mw = task.powerMw[sites[k]] * power;
      this.siteHours.reserve(sites[k] * this.hours + hours[k], sign * task.job.gpus, sign * mw, sign * mw * share);
    }
  }

  /**
   * Weighted grid energy the placement is responsible for at the margin, peak rule priced in; `held`: the placement
   * is in the site-hours' load already (else it is priced as if added).
   */
  placementCost(task: Task, candidate: Candidate, held = true): number {
    const sh = this.siteHours;
    let cost = 0;
    for (let k = 0; k < candidate.hours.length; k++) {
      const i = candidate.sites[k] * this.hours + candidate.hours[k];
      const mw = task.powerMw[candidate.sites[k]] * (candidate.fractions?.[k] ?? 1);
      const load = held ? sh.loadMw[i] : sh.loadMw[i] + mw;
      const withJob = Math.max(0, load - sh.greenMw[i]);
      const without = Math.max(0, load - mw - sh.greenMw[i]);
      cost += (withJob - without) * sh.gridWeight[i] + (task.job.deferrable && sh.peak[i] ? peakPenalty(mw) : 0);
    }
    return cost;
  }

  result(jobPlans: JobPlan[]): Plan {
    return {
      start: this.start.toISO()!,
      hours: this.hours,
      strategy: this.options.strategy,
      jobs: jobPlans,
      load: this.siteHours.loadBySite((s) => this.input.sites[s].gpus),
      totals: this.totals(jobPlans),
    };
  }

  bestCandidate(task: Task, windowEnd: number, earliestFinish: boolean): Candidate | undefined {
    let best: Candidate | undefined;
    const consider = (s: number) => {
      const candidate = this.candidateWithoutShortStart(task, s, windowEnd, earliestFinish);
      if (candidate && (!best || this.better(task, candidate, best, earliestFinish))) best = candidate;
    };
    // A deferrable job that may pause may also resume elsewhere: also try all sites' hours at once.
    if (this.options.strategy === 'westwind' && !earliestFinish && task.job.deferrable && task.job.interruptible)
      consider(ANY_SITE);
    for (const s of task.sites) consider(s);
    return best;
  }

  /**
   * A job started now runs only the rest of hour 0: when its first segment would then be shorter
   * than `minSegmentHours` and a pause follows, it starts at hour 1 instead (no 5-minute runs).
   */
  private candidateWithoutShortStart(
    task: Task,
    s: number,
    windowEnd: number,
    earliestFinish: boolean,
  ): Candidate | undefined {
    const candidate = this.candidateAt(task, s, windowEnd, earliestFinish);
    if (!candidate || earliestFinish || task.job.state === 'running' || candidate.hours[0] !== 0) return candidate;
    if (!this.shortStart(task, candidate.hours, candidate.sites)) return candidate;
    return this.candidateAt(task, s, windowEnd, earliestFinish, 1) ?? candidate;
  }

  /** A waiting job's hours start now with a first segment shorter than `minSegmentHours`, and a pause follows. */
  private shortStart(task: Task, hours: Int32Array, sites: Int32Array): boolean {
    if (task.job.state === 'running' || hours[0] !== 0) return false;
    let length = 1;
    while (length < hours.length && hours[length] === length && sites[length] === sites[0]) length++;
    return length < hours.length && length - this.hoursFromStart(this.now) < this.options.minSegmentHours - EPSILON;
  }

  private better(task: Task, a: Candidate, b: Candidate, earliestFinish: boolean): boolean {
    const byFinish = a.finishHour - b.finishHour;
    if (earliestFinish || this.options.strategy !== 'westwind' || !task.job.deferrable) {
      return byFinish < 0 || (byFinish === 0 && a.cost < b.cost);
    }
    // Costs already carry the hysteresis of a running job (see fillCosts).
    return a.cost < b.cost - EPSILON || (Math.abs(a.cost - b.cost) <= EPSILON && byFinish < 0);
  }

  /**
   * A running job stays put unless moving is clearly cheaper: other sites' costs count more. A hysteresis of 1 or
   * more counts them a billion times (not 1 / 0, whose NaN for a zero cost broke every comparison after it).
   */
  private withHysteresis(task: Task, s: number, cost: number): number {
    return task.job.state === 'running' && task.currentSite >= 0 && s !== task.currentSite
      ? cost / Math.max(1 - this.options.moveHysteresis, 1e-9)
      : cost;
  }

  /**
   * Where and when the job would run at site s (or, for ANY_SITE, each hour at its cheapest
   * site), by the strategy's rule, from hour `notBefore` on; undefined if it does not fit.
   * A running job's committed hours come first, at its current site.
   */
  private candidateAt(
    task: Task,
    s: number,
    windowEnd: number,
    earliestFinish: boolean,
    notBefore = 0,
  ): Candidate | undefined {
    const { job, committed } = task;
    const strategy = this.options.strategy;
    const split = job.interruptible && job.deferrable && strategy !== 'fifo';
    if (committed > 0) {
      // Its committed hours were released with the rest of its placement: a job placed since may hold them.
      if (this.committedHoursFitting(task) < committed) return undefined;
      if (committed >= Math.ceil(task.work - EPSILON))
        return s === task.currentSite ? this.committedCandidate(task) : undefined;
      // A job that may not pause continues where it runs.
      if (!split && s !== task.currentSite) return undefined;
    }
    const { weighByGrid } = this.keepSiteCostsOf(task, earliestFinish);
    let from = windowEnd;
    const siteCount = s === ANY_SITE ? task.sites.length : 1;
    for (let j = 0; j < siteCount; j++) {
      const site = s === ANY_SITE ? task.sites[j] : s;
      const siteFrom = Math.max(this.firstHourAt(task, site), notBefore, committed);
      if (siteFrom >= windowEnd) continue;
      this.fillSiteCosts(task, site, siteFrom, windowEnd);
      if (s === ANY_SITE) this.takeCheaperCosts(site, siteFrom, windowEnd, from);
      from = Math.min(from, siteFrom);
    }
    if (from >= windowEnd) return undefined;
    const cost = s === ANY_SITE ? this.cost : this.siteCost[s];
    const choose = (k: number, contiguous: boolean): Selection | undefined => {
      // After committed hours, a job that may not pause continues its block.
      if (!split && committed > 0)
        return earliestRun(cost, committed, Math.min(windowEnd, committed + k), k, this.picked);
      if (contiguous) {
        return strategy === 'westwind' && job.deferrable && !earliestFinish
          ? cheapestRun(cost, from, windowEnd, k, this.picked)
          : earliestRun(cost, from, windowEnd, k, this.picked);
      }
      return weighByGrid
        ? cheapestHours(cost, from, windowEnd, k, this.scratch, this.picked)
        : earliestHours(cost, from, windowEnd, k, this.picked);
    };
    if (!split) return this.selectHours(task, s, from, (k) => choose(k, true));
    const scattered = this.selectHours(task, s, from, (k) => choose(k, false));
    const shortSegment = scattered && this.hasShortSegment(task, scattered.hours, scattered.sites);
    // Scattered hours pay a checkpoint per pause: one block at one site may cost less overall.
    if (s === ANY_SITE) return shortSegment ? undefined : scattered;
    if (
      scattered &&
      !shortSegment &&
      (!weighByGrid || segmentCount(scattered.hours, scattered.hours.length, scattered.sites) === 1)
    )
      return scattered;
    const block = this.selectHours(task, s, from, (k) => choose(k, true));
    if (!scattered || shortSegment) return block;
    return block && block.cost <= scattered.cost + EPSILON ? block : scattered;
  }

  /**
   * How many of the task's committed hours, from hour 0, still fit at its site. A placement taken out and placed again
   * (the deadline repair, the search) gives them up with the rest; taken back unchecked after another job of its group
   * took them, they overbooked sites: 83 site-hours of the reference week's replay, by up to 33 GPUs.
   */
  private committedHoursFitting(task: Task): number {
    const base = task.currentSite * this.hours;
    let fitting = 0;
    while (
      fitting < task.committed &&
      this.siteHours.fits(base + fitting, task.job.gpus, task.powerMw[task.currentSite])
    )
      fitting++;
    return fitting;
  }

  /**
   * Picks `k` hours with `choose` (after any committed hours), growing k until they hold the
   * work plus the checkpoint time of every resume, which may need one more hour, which may add a resume...
   */
  private selectHours(
    task: Task,
    s: number,
    from: number,
    choose: (k: number) => Selection | undefined,
  ): Candidate | undefined {
    const c = task.committed;
    let k = Math.max(
      1,
      Math.ceil(task.work + (c > 0 ? 0 : this.resumeOverhead(task, this.siteOfHour(s, from), from)) - EPSILON) - c,
    );
    for (let attempt = 0; attempt < 8; attempt++) {
      const selection = choose(k);
      if (!selection) return undefined;
      const totalWork = this.selectionWork(task, s, selection);
      const needed = Math.max(1, Math.ceil(totalWork - EPSILON)) - c;
      if (needed > k) {
        k = needed;
        continue;
      }
      const hours = this.slab.take(c + selection.count);
      const sites = this.slab.take(c + selection.count);
      for (let h = 0; h < c; h++) {
        hours[h] = h;
        sites[h] = task.currentSite;
      }
      for (let j = 0; j < selection.count; j++) {
        hours[c + j] = selection.hours[j];
        sites[c + j] = this.siteOfHour(s, selection.hours[j]);
      }
      return this.candidate(hours, sites, selection.cost, totalWork, task);
    }
    return undefined;
  }

  /** The site of hour h among `candidateAt`'s costs: s, or for ANY_SITE the site whose cost the hour took. */
  private siteOfHour(s: number, h: number): number {
    return s === ANY_SITE ? this.costSite[h] : s;
  }

  /**
   * `workWithCheckpoints` of the task's committed hours followed by the selected ones, counted without building them:
   * about one selection in seven needs another hour, and is made again.
   */
  private selectionWork(task: Task, s: number, selection: Selection): number {
    const c = task.committed;
    let segments = c > 0 ? 1 : 0;
    let lastHour = c - 1;
    let lastSite = task.currentSite;
    for (let j = 0; j < selection.count; j++) {
      const h = selection.hours[j];
      const site = this.siteOfHour(s, h);
      if (segments === 0 || h !== lastHour + 1 || site !== lastSite) segments++;
      lastHour = h;
      lastSite = site;
    }
    const first = c > 0 ? 0 : selection.hours[0];
    return this.workOver(task, segments, c > 0 ? task.currentSite : this.siteOfHour(s, first), first);
  }

  /**
   * Whether the hours hold a segment shorter than the task's minimum. Two are not judged: the run a running job goes on
   * with from hour 0 where it runs (it started before this plan, and its committed hours keep it running its minimum
   * from then; counted from hour 0, a job 2 h into its run had to run through a peak an hour away), and the last, where
   * its work ends (a short remainder is no reason to run through a peak rather than pause).
   */
  hasShortSegment(task: Task, hours: Int32Array, sites: Int32Array): boolean {
    if (task.minSegmentHours <= 1) return false;
    const continues = task.job.state === 'running' && hours[0] === 0 && sites[0] === task.currentSite;
    return hasShortSegment(hours, sites, task.minSegmentHours, continues);
  }

  /** The job's work plus the checkpoint time of every resume these hours make (and of its first, if it resumes). */
  private workWithCheckpoints(task: Task, hours: Int32Array, sites: Int32Array): number {
    return this.workOver(task, segmentCount(hours, hours.length, sites), sites[0], hours[0]);
  }

  /** The task's work run in `segments` stretches, the first at site `s` from hour `h`. */
  workOver(task: Task, segments: number, s: number, h: number): number {
    return task.work + task.checkpointHours * (segments - 1) + this.resumeOverhead(task, s, h);
  }

  /** Away from its data region a job first waits for its dataset to arrive. */
  firstHourAt(task: Task, s: number): number {
    return (
      task.earliestHour + Math.max(0, Math.ceil((task.job.transferHours?.[this.input.sites[s].id] ?? 0) - EPSILON))
    );
  }

  /** A candidate's cost counts its checkpoint energy, so pauses must pay for themselves. */
  private candidate(hours: Int32Array, sites: Int32Array, hoursCost: number, totalWork: number, task: Task): Candidate {
    const last = hours[hours.length - 1];
    const overheadCost = this.options.strategy === 'westwind' ? this.checkpointCost(task, hours, sites, totalWork) : 0;
    return {
      hours,
      sites,
      totalWork,
      cost: hoursCost + overheadCost,
      finishHour: last + (totalWork - (hours.length - 1)),
      fractions: undefined, // present, so that every candidate has one shape (see `taskWith`)
    };
  }

  /** `siteCost` starts again unless it holds this task's costs at the site-hours as they are; its key. */
  private keepSiteCostsOf(task: Task, earliestFinish: boolean): SiteCostKey {
    const key = this.siteCostKey;
    const version = this.siteHours.version;
    const price = this.gpuHourPrice;
    if (
      key &&
      key.task === task &&
      key.earliestFinish === earliestFinish &&
      key.version === version &&
      key.price === price
    )
      return key;
    const strategy = this.options.strategy;
    const avoidPeak = task.job.deferrable && !earliestFinish && strategy !== 'fifo';
    this.siteCostFrom.fill(0);
    this.siteCostTo.fill(0);
    return (this.siteCostKey = {
      task,
      earliestFinish,
      version,
      price,
      weighByGrid: strategy === 'westwind' && !earliestFinish,
      // Westwind prices peak hours (objective.ts); the other strategies never use them for deferrable work.
      peakRule: !avoidPeak ? 'ignore' : strategy === 'westwind' ? 'price' : 'avoid',
    });
  }

  /** Site s's costs of [from, to) into `siteCost[s]`: those not already there (`keepSiteCostsOf`). */
  private fillSiteCosts(task: Task, s: number, from: number, to: number): void {
    const filledFrom = this.siteCostFrom[s];
    const filledTo = this.siteCostTo[s];
    if (from >= filledFrom && to <= filledTo) return;
    if (to < filledFrom || from > filledTo) {
      this.workOutCosts(task, s, from, to);
      this.siteCostFrom[s] = from;
      this.siteCostTo[s] = to;
      return;
    }
    if (from < filledFrom) this.workOutCosts(task, s, from, filledFrom);
    if (to > filledTo) this.workOutCosts(task, s, filledTo, to);
    this.siteCostFrom[s] = Math.min(from, filledFrom);
    this.siteCostTo[s] = Math.max(to, filledTo);
  }

  /** Costs of running the task in the hours [from, to) at site s, into `siteCost[s]`; Infinity where it cannot. */
  private workOutCosts(task: Task, s: number, from: number, to: number): void {
    const { siteHours } = this;
    const { weighByGrid, peakRule } = this.siteCostKey!;
    const cost = this.siteCost[s];
    const base = s * this.hours;
    const gpus = task.job.gpus;
    const mw = task.powerMw[s];
    // Energy of one hour of its work; a job shorter than an hour uses only part of its hour.
    const energy = mw * Math.min(1, task.work);
    for (let h = from; h < to; h++) {
      const i = base + h;
      let c: number;
      if (weighByGrid) c = this.withHysteresis(task, s, siteHours.marginalCost(i, gpus, mw, energy));
      else c = siteHours.fits(i, gpus, mw) ? 0 : Infinity;
      if (c !== Infinity) {
        if (weighByGrid && this.gpuHourPrice) c += this.gpuHourPrice[i] * gpus;
        if (peakRule !== 'ignore' && siteHours.peak[i]) c = peakRule === 'avoid' ? Infinity : c + peakPenalty(mw);
        c += EARLIER_IS_BETTER * h;
      }
      cost[h] = c;
    }
  }

  /**
   * Site s's costs of [from, to) into `cost` (ANY_SITE) where lower than an earlier site's, the first site's all;
   * hours before `filledFrom` (the earlier sites' first hour; `to`: none yet) start at Infinity, at site s: every hour
   * has a site, even one no site can take (`selectHours` reads the first hour's to count a resume).
   */
  private takeCheaperCosts(s: number, from: number, to: number, filledFrom: number): void {
    const siteCost = this.siteCost[s];
    const first = filledFrom >= to;
    if (!first)
      for (let h = from; h < filledFrom; h++) {
        this.cost[h] = Infinity;
        this.costSite[h] = s;
      }
    for (let h = from; h < to; h++) {
      if (first || siteCost[h] < this.cost[h]) {
        this.cost[h] = siteCost[h];
        this.costSite[h] = s;
      }
    }
  }

  /** Checkpoint time before the first hour: none to start fresh or to keep running where it runs. */
  private resumeOverhead(task: Task, s: number, firstHour: number): number {
    const { state } = task.job;
    if (state === 'paused') return task.checkpointHours;
    if (state === 'running') return s === task.currentSite && firstHour === 0 ? 0 : task.checkpointHours;
    return 0;
  }

  jobPlan(task: Task, candidate: Candidate | undefined): JobPlan {
    if (!candidate) return this.unplaced(task);
    const segments: Segment[] = [];
    let peakHours = 0;
    let peakMwh = 0;
    const { hours, sites, fractions } = candidate;
    for (let k = 0; k < hours.length; k++) {
      const power = fractions?.[k] ?? 1;
      if (this.siteHours.peak[sites[k] * this.hours + hours[k]]) {
        peakHours++;
        peakMwh += peakHeldMw(task.powerMw[sites[k]], power, task.job.power);
      }
      const last = segments[segments.length - 1];
      if (
        last &&
        last.endHour === hours[k] &&
        last.site === this.input.sites[sites[k]].id &&
        Math.abs((last.powerFraction ?? 1) - power) < 1e-9
      )
        last.endHour++;
      else
        segments.push({
          site: this.input.sites[sites[k]].id,
          startHour: hours[k],
          endHour: hours[k] + 1,
          start: '',
          end: '',
          ...(power < 1 ? { powerFraction: power } : {}),
        });
    }
    for (const segment of segments) {
      segment.start = this.instant(segment.startHour);
      segment.end = this.instant(segment.endHour);
    }
    const finishMs = this.start.toMillis() + candidate.finishHour * 3_600_000;
    const pausedNow = task.job.state === 'running' && (sites[0] !== task.currentSite || hours[0] !== 0) ? 1 : 0;
    const site = this.input.sites[sites[0]];
    const plan: JobPlan = {
      jobId: task.job.id,
      site: site.id,
      segments,
      finish: DateTime.fromMillis(finishMs, { zone: 'utc' }).toISO()!,
      meetsDeadline: finishMs <= task.job.deadline.toMillis() + 1,
      pauses: segmentCount(hours, hours.length, sites) - 1 + pausedNow,
      peakHours: task.job.deferrable ? peakHours : 0,
      peakMwh: task.job.deferrable ? peakMwh : 0,
      reason: '',
    };
    plan.reason = describePlacement(
      task.job,
      plan,
      site,
      this.siteHours,
      sites[0],
      (hour) => this.localTime(sites[0], hour),
      (hour) => this.localTime(sites[0], hour, 'yyyy-MM-dd'),
    );
    if (fractions) plan.reason = `${this.cappedWords(task, segments, sites[0])}; ${plan.reason}`;
    return plan;
  }

  private unplaced(task: Task): JobPlan {
    return {
      jobId: task.job.id,
      segments: [],
      meetsDeadline: false,
      pauses: 0,
      peakHours: 0,
      peakMwh: 0,
      reason:
        task.sites.length === 0
          ? 'infeasible: none of its allowed sites exists'
          : `infeasible: no allowed site has ${task.job.gpus} GPUs free for ${round(task.work)} h ` +
            `within the planning horizon (until ${this.instant(this.hours)})`,
    };
  }

  /**
   * "capped to 70% until 19:00 Europe/Berlin: import cap" (the lowest cap of its capped hours from now), or, where
   * the planner chose to cap (`cappedVariant`), "capped to 50% throughout: its work for 71% of the energy", or to cap
   * further in peak hours (`capThroughPeaks`), "capped to 50% in peak hours (from 18:00–21:00 Asia/Shanghai): peak;
   * full power otherwise".
   */
  private cappedWords(task: Task, segments: Segment[], s: number): string {
    if (segments[0].startHour > 0 || !Number.isFinite(this.siteHours.importCapMw[s * this.hours])) {
      const fractions = segments.map((segment) => segment.powerFraction ?? 1);
      const [lowest, highest] = [Math.min(...fractions), Math.max(...fractions)];
      const percent = (f: number) => `${Math.round(f * 100)}%`;
      if (lowest === highest) {
        const energy = Math.round(energyPerWork(task.job.power, lowest) * 100);
        return `capped to ${percent(lowest)} throughout: its work for ${energy}% of the energy`;
      }
      // Capped further in peak hours (`capThroughPeaks`): the first such stretch, in the site's time.
      const first = segments.find((segment) => segment.powerFraction === lowest)!;
      const at = this.siteIndex.get(first.site)!;
      const stretch = `${this.localTime(at, first.startHour)}–${this.localTime(at, first.endHour)}`;
      const otherwise = highest < 1 ? `${percent(highest)} otherwise` : 'full power otherwise';
      const zone = this.input.sites[at].timeZone;
      return `capped to ${percent(lowest)} in peak hours (from ${stretch} ${zone}): peak; ${otherwise}`;
    }
    let end = 0;
    let lowest = 1;
    for (const segment of segments) {
      if (segment.startHour !== end || segment.powerFraction === undefined) break;
      end = segment.endHour;
      lowest = Math.min(lowest, segment.powerFraction);
    }
    const until = `${this.localTime(s, end)} ${this.input.sites[s].timeZone}`;
    return `capped to ${Math.round(lowest * 100)}% until ${until}: import cap`;
  }

  private totals(jobPlans: JobPlan[]): PlanTotals {
    let pauses = 0,
      misses = 0,
      deferrablePeakHours = 0,
      deferrablePeakMwh = 0;
    for (const p of jobPlans) {
      pauses += p.pauses;
      deferrablePeakHours += p.peakHours;
      deferrablePeakMwh += p.peakMwh;
      if (!p.meetsDeadline) misses++;
    }
    return { ...this.siteHours.meter(), pauses, deadlineMisses: misses, deferrablePeakHours, deferrablePeakMwh };
  }

  private loadPrevious(previous: Plan): void {
    this.input.sites.forEach((site, s) => {
      const rows = previous.load[site.id];
      if (!rows) return;
      for (let h = 0; h < this.hours && h < rows.length; h++) {
        const i = s * this.hours + h;
        this.siteHours.reserve(i, rows[h].gpus, rows[h].drawMw, rows[h].mw);
      }
    });
  }

  private hoursFromStart(instant: DateTime): number {
    return (instant.toMillis() - this.start.toMillis()) / 3_600_000;
  }

  /** ISO instant of an hour boundary; memoised, as every segment needs two. */
  private instant(hour: number): string {
    return (this.hourIso[hour] ??= this.start.plus({ hours: hour }).toISO()!);
  }

  /** Hour `hour` of the plan at site s in its time zone, "HH:mm" or "yyyy-MM-dd"; memoised for the reasons' words. */
  private localTime(s: number, hour: number, format: 'HH:mm' | 'yyyy-MM-dd' = 'HH:mm'): string {
    const texts = format === 'HH:mm' ? this.localHourText : this.localDateText;
    return (texts[s * (this.hours + 1) + hour] ??= this.start
      .plus({ hours: hour })
      .setZone(this.input.sites[s].timeZone)
      .toFormat(format));
  }
}

function running(task: Task): number {
  return task.job.state === 'running' ? 1 : 0;
}

/**
 * Whether a segment (hours in a row at one site) other than the last is shorter than `minimum`; the first not judged
 * either if `skipFirst`.
 */
function hasShortSegment(hours: Int32Array, sites: Int32Array, minimum: number, skipFirst = false): boolean {
  let length = 1;
  let first = true;
  for (let i = 1; i < hours.length; i++) {
    if (hours[i] === hours[i - 1] + 1 && sites[i] === sites[i - 1]) length++;
    else {
      if (length < minimum && !(first && skipFirst)) return true;
      length = 1;
      first = false;
    }
  }
  return false;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
