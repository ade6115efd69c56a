import { peakPenalty } from './objective.js';
import { Candidate, EPSILON, onTime, Task, underWay } from './plan-task.js';
import type { PlanInput, PlanOptions } from './plan-types.js';
import type { SiteHours } from './site-hours.js';
import { seededRandom } from '../seeded-random.js';

/**
 * The moves that improve a first placement, one job or a group at a time (docs/planner.md): single-job moves
 * (`improve`, and `capWhereCheaper` for jobs with a power curve), the deadline repair (`repairDeadlines`) and the
 * large-neighbourhood search (`search`). The ejection chains (plan-chains.ts) and the power caps (plan-power-caps.ts)
 * are in their own modules.
 */

/** What the moves need of the planner: its site-hours, where a job would go, and what a placement costs. */
export interface SearchPlanner {
  readonly hours: number;
  readonly input: PlanInput;
  readonly options: PlanOptions;
  readonly siteHours: SiteHours;
  /** Placements may run capped (jobs with a power curve); `capWhereCheaper` turns it on. */
  capping: boolean;
  bestCandidate(task: Task, windowEnd: number, earliestFinish: boolean): Candidate | undefined;
  checkpointCost(task: Task, hours: Int32Array, sites: Int32Array, totalWork: number): number;
  inLastPartHour(task: Task): Candidate | undefined;
  onTimeCandidate(task: Task): Candidate | undefined;
  placementCost(task: Task, candidate: Candidate, held?: boolean): number;
  reserve(task: Task, candidate: Candidate, sign: 1 | -1): void;
}

/** Improvement passes after the greedy placement; each revisits only jobs still on grid or in peak. */
const IMPROVEMENT_PASSES = 3;
/** Jobs a deadline repair moves aside at most, and re-placements all repairs of one plan make at most. */
const REPAIR_MAX_MOVED = 200;
const REPAIR_BUDGET_PER_JOB = 4;
/** Jobs taken out beside the target in one search step, and the seed that picks them. */
const SEARCH_NEIGHBOURS = 8;
const SEARCH_SEED = 2019;
/** The search's budget at most, whatever the number of jobs (about a second here). */
const SEARCH_MAX_PLACEMENTS = 30_000;
/**
 * The search's budget at least, unless it is off (a quarter of a second for 40 jobs; more for a small plan from
 * scratch, below): small plans are where a few trades between jobs decide whether one runs in a peak hour; 10
 * placements a job found none of them on the 48 h exact slices.
 */
const SEARCH_MIN_PLACEMENTS = 10_000;
/**
 * Plans up to this many jobs draw neighbours from a full scan; larger ones probe at random, this many times at
 * most.
 */
const SEARCH_SCAN_JOBS = 2_000;
const SEARCH_PROBES = 400;
/**
 * Rounds over all targets without a gain before the search stops early: in re-plans while work is under way, and in a
 * plan from scratch (nothing running or paused), where it has the time (the 1,474-job weeks spend their budget before).
 * Neighbours are drawn at random, so a round without gain does not mean none is left: on the 40-job exact slices a
 * fourth round took a job out of the fixed-peak week's peak (objective 0.059 → 0.025), and ten rounds left
 * 3 of 4 slices better by the planner's cost and the fourth within 0.1% (session 38).
 */
const SEARCH_IDLE_ROUNDS = 3;
const SEARCH_IDLE_ROUNDS_FROM_SCRATCH = 10;
/**
 * A small plan from scratch (up to SMALL_PLAN_JOBS: the 40-job exact slices, a hub's queue while nothing runs) with
 * every job on time searches at least this long: there a trade between three jobs decides whether one runs in a peak
 * hour, and the time is there (at most 0.4 s on the slices here). Not where a job is late: the late-first rounds
 * (`greedyPlan`) choose between plans by their misses, and a longer search there changed which jobs were late first
 * (a 100-job slice of the tight week: 4 late instead of 2). 10,000 placements and 10 idle rounds left a peak hour on
 * the fixed-peak slice from hour 96 that these take out (objective 0.0993 → 0.0931), and the reference slice from hour
 * 96 went from 0.587 to 0.521, below the 40 s MIP's best (session 40).
 */
const SMALL_PLAN_JOBS = 100;
const SMALL_PLAN_SEARCH_PLACEMENTS = 30_000;
const SMALL_PLAN_IDLE_ROUNDS = 50;

/** The search's placements at most, and its rounds without a gain before it stops (0 placements: no search). */
function searchLimits(
  options: PlanOptions,
  jobs: number,
  fromScratch: boolean,
  allOnTime: boolean,
): { budget: number; idleRounds: number } {
  const perJob = options.searchPlacementsPerJob * jobs;
  if (perJob <= 0) return { budget: 0, idleRounds: 0 };
  const budget = Math.min(SEARCH_MAX_PLACEMENTS, Math.max(SEARCH_MIN_PLACEMENTS, perJob));
  if (!fromScratch) return { budget, idleRounds: SEARCH_IDLE_ROUNDS };
  if (jobs > SMALL_PLAN_JOBS || !allOnTime) return { budget, idleRounds: SEARCH_IDLE_ROUNDS_FROM_SCRATCH };
  return { budget: Math.max(budget, SMALL_PLAN_SEARCH_PLACEMENTS), idleRounds: SMALL_PLAN_IDLE_ROUNDS };
}

/**
 * Greedy placement fixes early jobs before later ones are known. Revisit the deferrable jobs
 * that still draw grid power or run in peak hours: take each out and place it again against
 * everything else (one job at a time, so the objective never gets worse), until a pass gains
 * nothing or `IMPROVEMENT_PASSES` are done.
 */
export function improve(
  planner: SearchPlanner,
  tasks: Task[],
  order: number[],
  placements: (Candidate | undefined)[],
): void {
  for (let pass = 0; pass < IMPROVEMENT_PASSES; pass++) {
    let gained = 0;
    for (const t of order) {
      const task = tasks[t];
      const old = placements[t];
      if (!old || !task.job.deferrable || !drawsGridOrPeak(planner, old)) continue;
      const before = planner.placementCost(task, old);
      const mark = planner.siteHours.mark();
      planner.reserve(task, old, -1);
      const late = !onTime(task, old);
      const next = (late ? planner.bestCandidate(task, planner.hours, true) : planner.onTimeCandidate(task)) ?? old;
      planner.reserve(task, next, 1);
      const after = planner.placementCost(task, next);
      if (after > before - EPSILON) {
        // Nothing strictly better here: keep the old placement (a tie would only move the job).
        planner.siteHours.undoTo(mark);
        continue;
      }
      planner.siteHours.keep();
      placements[t] = next;
      gained += before - after;
    }
    if (gained <= EPSILON) break;
  }
}

/**
 * Last, jobs with a power curve may run capped where that lowers their cost (#20): single-job moves on the capacity
 * the others left free. Not before: a capped run holds more GPU-hours, which a job placed or moved after it may need
 * to stay out of peak hours (with capping in the greedy pass, 1.36 → 1.56 peak MWh on the fixed-peak week).
 */
export function capWhereCheaper(
  planner: SearchPlanner,
  tasks: Task[],
  order: number[],
  placements: (Candidate | undefined)[],
): void {
  planner.capping = true;
  improve(
    planner,
    tasks,
    order.filter((t) => tasks[t].job.power),
    placements,
  );
}

/**
 * Greedy placement can leave a job late although the hours it needs are held by jobs that could
 * go elsewhere (a job accepted earlier, pushed out by later ones with less slack). For each late
 * job: move aside the deferrable jobs in its window at its sites, place it first, then put them
 * back, least slack first; keep the result only if it is on time and every moved job still is.
 * Where that is not enough, the running jobs at its sites also give up the committed hours their
 * longer minimum segment holds in its window (`firmCommitted`): a pause sooner than planned costs
 * less than a missed deadline.
 */
export function repairDeadlines(
  planner: SearchPlanner,
  tasks: Task[],
  order: number[],
  placements: (Candidate | undefined)[],
): void {
  let budget = REPAIR_BUDGET_PER_JOB * tasks.length + 100;
  const rankOf = ranks(order);
  const byRank = (a: number, b: number) => rankOf[a] - rankOf[b];
  for (const t of order) {
    const old = placements[t];
    if (budget <= 0) return;
    if (old && onTime(tasks[t], old)) continue;
    const moved = jobsInWindow(tasks[t], tasks, placements, t).sort(byRank);
    if (moved.length > REPAIR_MAX_MOVED) continue;
    const yielding = yieldingInWindow(tasks[t], tasks, t);
    if (moved.length === 0 && yielding.length === 0) continue;
    budget -= moved.length + yielding.length + 1;
    let group = [t, ...moved];
    let after = moved.length > 0 ? placeAgain(planner, group, tasks, placements) : undefined;
    if (!after && yielding.length > 0) {
      const committed = yielding.map((u) => tasks[u].committed);
      yielding.forEach((u) => (tasks[u].committed = tasks[u].firmCommitted));
      group = [t, ...[...new Set([...moved, ...yielding])].sort(byRank)];
      after = placeAgain(planner, group, tasks, placements);
      // Not enough: they keep their hours.
      if (!after) yielding.forEach((u, k) => (tasks[u].committed = committed[k]));
    }
    if (after) group.forEach((u, k) => (placements[u] = after[k]));
  }
}

/** Running jobs, other than t, whose yielding committed hours (`firmCommitted`) are in task's window at its sites. */
function yieldingInWindow(task: Task, tasks: Task[], t: number): number[] {
  const found: number[] = [];
  for (let u = 0; u < tasks.length; u++) {
    const { committed, firmCommitted, currentSite } = tasks[u];
    if (u === t || committed <= firmCommitted || !task.sites.includes(currentSite)) continue;
    // A deadline within an hour lets the job use that hour's first minutes (`inLastPartHour`).
    if (firmCommitted < Math.ceil(task.deadlineAt - EPSILON) && committed > task.earliestHour) found.push(u);
  }
  return found;
}

/**
 * Large-neighbourhood search: a job still drawing grid power or running in peak hours is taken
 * out with a few of the jobs in its window (chosen at random, seeded), placed first, and they are
 * placed again after it; the new placements stay when every job is on time and the objective
 * (weighted grid energy, peak rule and checkpoint energy) is lower. Single-job moves (`improve`)
 * cannot trade hours between jobs; this can. Stops after its budget of placements (`searchLimits`).
 */
export function search(
  planner: SearchPlanner,
  tasks: Task[],
  order: number[],
  placements: (Candidate | undefined)[],
): void {
  const random = seededRandom(SEARCH_SEED);
  const rankOf = ranks(order);
  const allOnTime = tasks.every((task, u) => !!placements[u] && onTime(task, placements[u]));
  const limits = searchLimits(planner.options, tasks.length, !underWay(planner.input), allOnTime);
  let budget = limits.budget;
  for (let idle = 0; budget > 0 && idle < limits.idleRounds;) {
    const targets = order.filter(
      (t) =>
        placements[t] &&
        tasks[t].job.deferrable &&
        tasks[t].committed < placements[t].hours.length &&
        drawsGridOrPeak(planner, placements[t]),
    );
    if (targets.length === 0) return;
    let gained = false;
    for (const t of targets) {
      if (budget <= 0) return;
      const neighbours = someJobsInWindow(tasks[t], tasks, placements, t, random).sort((a, b) => rankOf[a] - rankOf[b]);
      // The target first (it takes the hours it wants), else everyone by slack (they make room).
      const targetFirst = [t, ...neighbours];
      budget -= targetFirst.length;
      if (improvesByPlacingAgain(planner, tasks, targetFirst, placements)) {
        gained = true;
        continue;
      }
      // Where the target has the least slack the order is the same, and so would the placements be (a try not kept
      // leaves the site-hours exactly as they were): counted only.
      budget -= targetFirst.length;
      if (neighbours.length === 0 || rankOf[neighbours[0]] > rankOf[t]) continue;
      const bySlack = targetFirst.sort((a, b) => rankOf[a] - rankOf[b]);
      if (improvesByPlacingAgain(planner, tasks, bySlack, placements)) gained = true;
    }
    idle = gained ? 0 : idle + 1;
  }
}

/** Places the group again in order and keeps the result if every job is on time and the objective falls. */
function improvesByPlacingAgain(
  planner: SearchPlanner,
  tasks: Task[],
  group: number[],
  placements: (Candidate | undefined)[],
): boolean {
  const termsBefore = groupTerms(
    planner,
    tasks,
    group,
    group.map((u) => placements[u]!),
  );
  const mark = planner.siteHours.mark();
  const after = placeAgain(planner, group, tasks, placements);
  if (
    after &&
    planner.siteHours.weightedGridChangeSince(mark) + groupTerms(planner, tasks, group, after) - termsBefore < -EPSILON
  ) {
    planner.siteHours.keep();
    group.forEach((u, k) => (placements[u] = after[k]));
    return true;
  }
  planner.siteHours.undoTo(mark);
  return false;
}

/**
 * Takes the group's placements out and places its jobs again in order, each on time; returns
 * the new placements, or undefined with everything put back when one does not fit.
 */
function placeAgain(
  planner: SearchPlanner,
  group: number[],
  tasks: Task[],
  placements: (Candidate | undefined)[],
): Candidate[] | undefined {
  const mark = planner.siteHours.mark();
  for (const u of group) if (placements[u]) planner.reserve(tasks[u], placements[u], -1);
  const after: Candidate[] = [];
  for (const u of group) {
    const next = planner.onTimeCandidate(tasks[u]) ?? inLastPartHourIfNeeded(planner, tasks[u], placements[u]);
    if (!next) break;
    planner.reserve(tasks[u], next, 1);
    after.push(next);
  }
  if (after.length === group.length) {
    planner.siteHours.keep();
    return after;
  }
  planner.siteHours.undoTo(mark);
  return undefined;
}

/** The deadline's own hour for a job that needed it (or was late) before a group is placed again; else undefined. */
function inLastPartHourIfNeeded(planner: SearchPlanner, task: Task, old: Candidate | undefined): Candidate | undefined {
  return !old || old.finishHour > task.deadlineHour + EPSILON ? planner.inLastPartHour(task) : undefined;
}

/**
 * The group's part of the objective besides the grid energy (`weightedGridChangeSince`): its peak-rule penalties and
 * checkpoint energy in these placements.
 */
function groupTerms(planner: SearchPlanner, tasks: Task[], group: number[], placements: Candidate[]): number {
  const sh = planner.siteHours;
  let cost = 0;
  group.forEach((u, k) => {
    const { hours, sites, totalWork, fractions } = placements[k];
    const task = tasks[u];
    cost += planner.checkpointCost(task, hours, sites, totalWork);
    if (task.job.deferrable)
      for (let j = 0; j < hours.length; j++)
        if (sh.peak[sites[j] * planner.hours + hours[j]])
          cost += peakPenalty(task.powerMw[sites[j]] * (fractions?.[j] ?? 1));
  });
  return cost;
}

/**
 * Up to SEARCH_NEIGHBOURS of the jobs in task's window, drawn at random: from all of them in a
 * small plan; in a large one by probing random jobs (a full scan per step would cost O(jobs)).
 */
function someJobsInWindow(
  task: Task,
  tasks: Task[],
  placements: (Candidate | undefined)[],
  t: number,
  random: () => number,
): number[] {
  if (tasks.length <= SEARCH_SCAN_JOBS)
    return sample(jobsInWindow(task, tasks, placements, t), SEARCH_NEIGHBOURS, random);
  const found = new Set<number>();
  for (let probe = 0; probe < SEARCH_PROBES && found.size < SEARCH_NEIGHBOURS; probe++) {
    const u = Math.floor(random() * tasks.length);
    if (holdsWindowHour(task, tasks, placements, u, t)) found.add(u);
  }
  return [...found];
}

/**
 * Placed deferrable jobs, other than t, holding an hour of task's window at one of its sites (their committed hours
 * aside).
 */
function jobsInWindow(task: Task, tasks: Task[], placements: (Candidate | undefined)[], t: number): number[] {
  const found: number[] = [];
  for (let u = 0; u < tasks.length; u++) if (holdsWindowHour(task, tasks, placements, u, t)) found.push(u);
  return found;
}

/**
 * Job u is placed, deferrable, not t, and holds an hour of task's window at one of its sites beyond its committed
 * hours.
 */
function holdsWindowHour(
  task: Task,
  tasks: Task[],
  placements: (Candidate | undefined)[],
  u: number,
  t: number,
): boolean {
  const c = placements[u];
  if (!c || u === t || !tasks[u].job.deferrable || tasks[u].committed >= c.hours.length) return false;
  // Hours ascend: most jobs lie wholly before or after the window.
  if (c.hours[c.hours.length - 1] < task.earliestHour || c.hours[0] >= task.deadlineHour) return false;
  for (let k = 0; k < c.hours.length; k++) {
    if (c.hours[k] >= task.earliestHour && c.hours[k] < task.deadlineHour && task.sites.includes(c.sites[k]))
      return true;
  }
  return false;
}

function drawsGridOrPeak(planner: SearchPlanner, candidate: Candidate): boolean {
  const sh = planner.siteHours;
  for (let k = 0; k < candidate.hours.length; k++) {
    const i = candidate.sites[k] * planner.hours + candidate.hours[k];
    if (sh.peak[i] || sh.loadMw[i] > sh.greenMw[i] + EPSILON) return true;
  }
  return false;
}

/** Each index's position in `order`. */
function ranks(order: number[]): Int32Array {
  const rank = new Int32Array(order.length);
  order.forEach((t, k) => (rank[t] = k));
  return rank;
}

/** Up to `count` of `items`, drawn at random without repeats (the array is reordered). */
function sample(items: number[], count: number, random: () => number): number[] {
  const n = Math.min(count, items.length);
  for (let k = 0; k < n; k++) {
    const j = k + Math.floor(random() * (items.length - k));
    [items[k], items[j]] = [items[j], items[k]];
  }
  return items.slice(0, n);
}
