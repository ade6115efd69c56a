import { FRACTION_EPSILON, PowerCurve, throughputAt } from '../energy/power-curve.js';
import { throttles } from './objective.js';
import { sharePowerCut } from './power-cut.js';
import { Candidate, EPSILON, onTime, Task, taskWith } from './plan-task.js';
import type { PlanInput } from './plan-types.js';
import { segmentCount } from './slot-selection.js';
import type { SiteHours } from './site-hours.js';

/**
 * The planner's second lever (#20): GPU power caps. A job with a power curve may run its peak hours capped
 * (`capThroughPeaks`), run on throttled where the plan would pause it (`throttleInsteadOfPausing`), and where an
 * import cap binds now, running jobs share the room left capped before any pauses (`capUnderImportCaps`). Placing a
 * whole job capped, as one more candidate, stays in the planner (`cappedVariant`).
 */

/** What the power caps need of the planner: its site-hours, and a job's placement rules and costs. */
export interface PowerCapPlanner {
  readonly hours: number;
  readonly input: Pick<PlanInput, 'sites'>;
  readonly siteHours: SiteHours;
  bestCandidate(task: Task, windowEnd: number, earliestFinish: boolean): Candidate | undefined;
  checkpointCost(task: Task, hours: Int32Array, sites: Int32Array, totalWork: number): number;
  firstHourAt(task: Task, s: number): number;
  hasShortSegment(task: Task, hours: Int32Array, sites: Int32Array): boolean;
  keepUnlessSame(task: Task, old: Candidate, next: Candidate, mark: number): void;
  onTimeCandidateAtFullPower(task: Task): Candidate | undefined;
  peakMwh(task: Task, candidate: Candidate): number;
  placementCost(task: Task, candidate: Candidate, held?: boolean): number;
  reserve(task: Task, candidate: Candidate, sign: 1 | -1): void;
  workOver(task: Task, segments: number, s: number, h: number): number;
}

/**
 * A deferrable job with a curve that still runs in peak hours (nothing off-peak left before it is due) may run
 * those hours capped (#20): the peak rule counts a capped hour at its capped power, and half the power for 70% of
 * the work holds 0.71 of the peak MWh per hour of work. Two levels, one for its peak hours and one (full power or
 * higher on its curve) for the others; the work they no longer do goes into more free hours of its window,
 * nearest first. Kept where the job's cost (peak rule priced in, checkpoints of any pause it adds included) falls
 * and it finishes no later than it was due; single-job moves on the capacity the others left free, last, like
 * `capWhereCheaper`.
 */
export function capThroughPeaks(
  planner: PowerCapPlanner,
  tasks: Task[],
  order: number[],
  placements: (Candidate | undefined)[],
): void {
  for (const t of order) {
    const task = tasks[t];
    const old = placements[t];
    if (!old || !task.job.power || !task.job.deferrable || planner.peakMwh(task, old) <= EPSILON) continue;
    if (old.sites.some((s) => !planner.input.sites[s].capsPower)) continue;
    if (!onTime(task, old)) continue;
    const latest = Math.max(old.finishHour, task.dueHour);
    const mark = planner.siteHours.mark();
    planner.reserve(task, old, -1);
    let best = old;
    let bestCost = costAsPlaced(planner, task, old);
    // From its hours as they are, and (where it runs capped throughout) from its hours at full power; not for a
    // running job, whose placement at full power may move it without the hysteresis that keeps it where it runs.
    const full = old.fractions && task.job.state !== 'running' ? planner.onTimeCandidateAtFullPower(task) : undefined;
    const levels = [1, ...cappedFractions(task.job.power)];
    for (const from of full ? [old, full] : [old])
      for (const offPeak of levels)
        for (const fraction of levels.filter((f) => f < 1 && f <= offPeak)) {
          const capped = withPeaksCapped(planner, task, from, fraction, latest, offPeak);
          const cost = capped ? costAsPlaced(planner, task, capped) : Infinity;
          if (capped && cost < bestCost - EPSILON) [best, bestCost] = [capped, cost];
        }
    planner.keepUnlessSame(task, old, best, mark);
    placements[t] = best;
  }
}

/** What a placement not yet held would cost: its marginal grid energy, the peak rule and its checkpoints. */
function costAsPlaced(planner: PowerCapPlanner, task: Task, candidate: Candidate): number {
  return (
    planner.placementCost(task, candidate, false) +
    planner.checkpointCost(task, candidate.hours, candidate.sites, candidate.totalWork)
  );
}

/**
 * `old`'s hours with its peak hours at `fraction` and the others at `offPeak`, and as many more free hours before
 * `latest` as the work then needs, at its sites, nearest to the hours it holds first (off-peak ones before peak
 * ones); undefined where they do not fit, or would break the job's rules on pauses.
 */
function withPeaksCapped(
  planner: PowerCapPlanner,
  task: Task,
  old: Candidate,
  fraction: number,
  latest: number,
  offPeak: number,
): Candidate | undefined {
  const sh = planner.siteHours;
  const rate = (f: number) => throughputAt(task.job.power, f);
  const isPeak = (s: number, h: number) => sh.peak[s * planner.hours + h] === 1;
  const levelAt = (s: number, h: number) => (isPeak(s, h) ? fraction : offPeak);
  const chosen = Array.from(old.hours, (h, k) => ({ h, s: old.sites[k], f: levelAt(old.sites[k], h) }));
  const held = new Set(chosen.map((c) => c.h));
  let capacity = chosen.reduce((sum, c) => sum + rate(c.f), 0);
  const extras: { h: number; s: number; f: number; rank: number }[] = [];
  for (const s of new Set(chosen.map((c) => c.s))) {
    for (let h = planner.firstHourAt(task, s); h < Math.ceil(latest - EPSILON); h++) {
      const f = levelAt(s, h);
      if (held.has(h) || !sh.fits(s * planner.hours + h, task.job.gpus, task.powerMw[s] * f)) continue;
      extras.push({ h, s, f, rank: (isPeak(s, h) ? planner.hours : 0) + distanceToNearest(old.hours, h) });
    }
  }
  extras.sort((a, b) => a.rank - b.rank || a.h - b.h);
  let totalWork = old.totalWork;
  for (const extra of extras) {
    if (capacity >= totalWork - EPSILON) break;
    if (held.has(extra.h)) continue;
    let at = chosen.length;
    while (at > 0 && chosen[at - 1].h > extra.h) at--;
    chosen.splice(at, 0, extra);
    held.add(extra.h);
    capacity += rate(extra.f);
    // Its segments, counted as `segmentCount` counts them, over `chosen` itself (no arrays built per hour tried).
    let segments = 1;
    for (let k = 1; k < chosen.length; k++)
      if (chosen[k].h !== chosen[k - 1].h + 1 || chosen[k].s !== chosen[k - 1].s) segments++;
    totalWork = planner.workOver(task, segments, chosen[0].s, chosen[0].h);
  }
  if (capacity < totalWork - EPSILON) return undefined;
  // The hours as `reserve` works them: in order, each at its rate, the last only as long as the work needs; an
  // hour after that (the nearest-first pick may overshoot) is let go.
  let workLeft = totalWork;
  let used = 0;
  let finishHour = 0;
  for (const c of chosen) {
    const r = rate(c.f);
    used++;
    finishHour = c.h + Math.min(1, workLeft / r);
    workLeft -= r;
    if (workLeft <= EPSILON) break;
  }
  chosen.length = used;
  const hours = Int32Array.from(chosen, (c) => c.h);
  const sites = Int32Array.from(chosen, (c) => c.s);
  if (finishHour > latest + EPSILON) return undefined;
  if (segmentCount(hours, hours.length, sites) > 1 && !task.job.interruptible) return undefined;
  if (planner.hasShortSegment(task, hours, sites)) return undefined;
  return { hours, sites, totalWork, cost: 0, finishHour, fractions: Float64Array.from(chosen, (c) => c.f) };
}

/**
 * Capping before pausing (#20): where an import cap leaves a site less room than its running jobs
 * need at full power, they share the room left (`sharePowerCut`: jobs that declare a power curve
 * capped evenly, those that do not at full power, the fewest paused where even the minimums do
 * not fit) instead of some running at full power and the rest pausing, hour by hour from now
 * while the cap binds. The work done capped comes off the rest of each job's plan, placed again
 * after its capped hours (all of it for a job paused now). A deferrable job the plan pauses
 * through a peak stays paused there (the peak rule: a pause holds no power); an hour where the
 * minimums no longer fit ends the capped run. Where a rest would miss a deadline the old plan
 * kept, or a job that may not pause would have to, the site keeps the old plan.
 */
export function capUnderImportCaps(
  planner: PowerCapPlanner,
  tasks: Task[],
  placements: (Candidate | undefined)[],
): void {
  for (let s = 0; s < planner.input.sites.length; s++) {
    const members = tasks.map((_, t) => t).filter((t) => runsOrStopsAt(tasks[t], placements[t], s));
    if (planner.input.sites[s].capsPower && members.some((t) => tasks[t].job.power))
      capAt(planner, s, members, tasks, placements);
  }
}

/**
 * A job running at site s that the plan keeps there now or stops now (does not move), and that may be capped or
 * paused (one that may not pause and has no curve keeps its plan).
 */
function runsOrStopsAt(task: Task, candidate: Candidate | undefined, s: number): boolean {
  if (task.job.state !== 'running' || task.currentSite !== s || task.work <= EPSILON) return false;
  if (!task.job.power && !task.job.interruptible) return false;
  return !candidate || candidate.hours[0] !== 0 || candidate.sites[0] === s;
}

function capAt(
  planner: PowerCapPlanner,
  s: number,
  members: number[],
  tasks: Task[],
  placements: (Candidate | undefined)[],
): void {
  const sh = planner.siteHours;
  const before = members.map((t) => placements[t]);
  members.forEach((t, k) => before[k] && planner.reserve(tasks[t], before[k], -1));
  const fractions: number[][] = members.map(() => []);
  const done = new Float64Array(members.length);
  // Jobs paused from their hour in `fractions` on: placed again after the capped hours, like the rest of the work.
  const ended = new Set<number>();
  for (let h = 0; h < planner.hours; h++) {
    const i = s * planner.hours + h;
    if (!Number.isFinite(sh.importCapMw[i])) break;
    // A deferrable job the old plan pauses through a peak stays paused there (the peak rule: a pause holds no
    // power); the others go on.
    members.forEach((t, k) => {
      if (sh.peak[i] && tasks[t].job.deferrable && !holds(before[k], s, h)) ended.add(k);
    });
    let group = members
      .map((_, k) => k)
      .filter((k) => !ended.has(k) && fractions[k].length === h && done[k] < tasks[members[k]].work - EPSILON);
    let shares = capShares(
      planner,
      s,
      i,
      group.map((k) => tasks[members[k]]),
    );
    // Now, a job whose minimum does not fit pauses and the others share again; later, the capped run ends there.
    while (h === 0 && shares.some((f) => f <= 0)) {
      group.forEach((k, g) => shares[g] <= 0 && ended.add(k));
      group = group.filter((k) => !ended.has(k));
      shares = capShares(
        planner,
        s,
        i,
        group.map((k) => tasks[members[k]]),
      );
    }
    const gpus = group.reduce((sum, k) => sum + tasks[members[k]].job.gpus, 0);
    if (group.length === 0 || shares.some((f) => f <= 0) || shares.every((f) => f >= 1) || gpus > sh.gpusFree[i]) break;
    group.forEach((k, g) => {
      const task = tasks[members[k]];
      fractions[k].push(shares[g]);
      done[k] += throughputAt(task.job.power, shares[g]);
      const mw = task.powerMw[s] * shares[g];
      sh.reserve(i, task.job.gpus, mw, mw);
    });
  }
  const restore = () => {
    for (const [k, t] of members.entries()) if (before[k]) planner.reserve(tasks[t], before[k], 1);
  };
  if (fractions.every((f) => f.length === 0)) return restore(); // the cap does not bind now

  // Each job's rest (all of its work for a job paused now), placed after its capped hours, least slack first.
  const rests = new Map<number, Candidate>();
  const slack = (k: number) => tasks[members[k]].deadlineHour - (tasks[members[k]].work - done[k]);
  let kept = true;
  for (const k of members.map((_, k) => k).sort((a, b) => slack(a) - slack(b))) {
    const task = tasks[members[k]];
    const from = fractions[k].length;
    if (done[k] >= task.work - EPSILON) continue;
    const rest = taskWith(task, {
      work: task.work - done[k],
      earliestHour: from,
      dueHour: Math.max(from, task.dueHour),
      committed: 0,
    });
    // At full power after the capped hours: `cappedCandidate` holds the rest at full power.
    const placed = planner.onTimeCandidateAtFullPower(rest) ?? planner.bestCandidate(rest, planner.hours, true);
    const wasOnTime = !before[k] || onTime(task, before[k]);
    const continues = placed && placed.hours[0] === from && placed.sites[0] === s;
    if (!placed || (wasOnTime && !onTime(task, placed)) || (!task.job.interruptible && !continues)) {
      kept = false;
      break;
    }
    planner.reserve(rest, placed, 1);
    rests.set(k, placed);
  }
  // Undo the capped hours as reserved above (whole hours) and the rests; hold the final placements instead.
  members.forEach((t, k) => {
    fractions[k].forEach((f, h) => {
      const mw = tasks[t].powerMw[s] * f;
      sh.reserve(s * planner.hours + h, -tasks[t].job.gpus, -mw, -mw);
    });
    const rest = rests.get(k);
    if (rest) planner.reserve({ ...tasks[t], work: tasks[t].work - done[k] }, rest, -1);
  });
  if (!kept) return restore();
  members.forEach((t, k) => {
    placements[t] = cappedCandidate(tasks[t], s, fractions[k], rests.get(k));
    planner.reserve(tasks[t], placements[t], 1);
  });
}

/** `sharePowerCut` of site-hour i's room under its import cap between `tasks` (a job without a curve: min 1). */
function capShares(planner: PowerCapPlanner, s: number, i: number, tasks: Task[]): number[] {
  const room = planner.siteHours.importCapMw[i] + planner.siteHours.greenMw[i] - planner.siteHours.drawMw[i];
  return sharePowerCut(
    room,
    tasks.map((task) => ({ mw: task.powerMw[s], minFraction: task.job.power?.minFraction ?? 1 })),
  );
}

/** Capped hours from hour 0 at site s, then `rest` (if any work is left) at full power. */
function cappedCandidate(task: Task, s: number, fractions: number[], rest: Candidate | undefined): Candidate {
  const n = fractions.length;
  const hours = new Int32Array(n + (rest?.hours.length ?? 0));
  const sites = new Int32Array(hours.length).fill(s);
  const power = new Float64Array(hours.length).fill(1);
  fractions.forEach((f, h) => ((hours[h] = h), (power[h] = f)));
  rest?.hours.forEach((hour, j) => ((hours[n + j] = hour), (sites[n + j] = rest.sites[j])));
  let cappedWork = 0;
  let finishHour = n;
  for (let h = 0; h < n; h++) {
    const rate = throughputAt(task.job.power, fractions[h]);
    if (!rest && cappedWork + rate >= task.work - EPSILON) finishHour = h + (task.work - cappedWork) / rate;
    cappedWork += rate;
  }
  const totalWork = rest ? cappedWork + rest.totalWork : task.work;
  return {
    hours,
    sites,
    totalWork,
    cost: rest?.cost ?? 0,
    finishHour: rest?.finishHour ?? finishHour,
    fractions: fractions.some((f) => f < 1) ? power : undefined,
  };
}

/** The power fractions below full power a job's curve names (its points, minFraction among them). */
export function cappedFractions(curve: PowerCurve): number[] {
  return curve.throughput.map(([fraction]) => fraction).filter((fraction) => fraction < 1 - FRACTION_EPSILON);
}

/** Whether the placement holds hour h at site s. */
function holds(candidate: Candidate | undefined, s: number, h: number): boolean {
  if (!candidate) return false;
  for (let k = 0; k < candidate.hours.length; k++)
    if (candidate.hours[k] === h && candidate.sites[k] === s) return true;
  return false;
}

/** Hours from h to the nearest of `hours` (ascending, not empty). */
function distanceToNearest(hours: Int32Array, h: number): number {
  let [lo, hi] = [0, hours.length - 1];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (hours[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(Math.abs(hours[lo] - h), lo > 0 ? h - hours[lo - 1] : Infinity);
}

/**
 * A job with a curve that the plan pauses (across a peak, for greener hours or to another site) may run on throttled
 * instead (#20: cap instead of pausing): placed again with the fewest segments its window and the free capacity
 * allow (`fewestSegments`), peak hours at its minimum power, which the peak rule counts as shed (`peakHeldMw`), the
 * others at full power. Kept at the fewest segments whose weighted grid energy and checkpoints cost no more than its
 * pauses did, finishing no later than it was due; single-job moves on the capacity the others left free, last. Most
 * of what it keeps runs through peak hours on green supply: in the flexible-jobs week, pauses 393 → 353, grid energy
 * 7.999 → 7.959 MWh, grid energy in peak hours 1.422 → 1.418 MWh (session 43).
 */
export function throttleInsteadOfPausing(
  planner: PowerCapPlanner,
  tasks: Task[],
  order: number[],
  placements: (Candidate | undefined)[],
): void {
  const sh = planner.siteHours;
  for (const t of order) {
    const task = tasks[t];
    const old = placements[t];
    const curve = task.job.power;
    if (!old || !curve || !throttles(curve) || !task.job.deferrable || !task.job.interruptible) continue;
    if (!onTime(task, old)) continue;
    const segments = segmentCount(old.hours, old.hours.length, old.sites);
    if (segments <= 1 || old.sites.some((s) => !planner.input.sites[s].capsPower)) continue;
    const latest = Math.max(old.finishHour, task.dueHour);
    const oldCheckpoints = planner.checkpointCost(task, old.hours, old.sites, old.totalWork);
    const mark = sh.mark();
    planner.reserve(task, old, -1);
    let kept = old;
    for (const next of fewestSegments(planner, task, curve, latest, segments - 1)) {
      const tried = sh.mark();
      planner.reserve(task, next, 1);
      const cost =
        sh.weightedGridChangeSince(mark) +
        planner.checkpointCost(task, next.hours, next.sites, next.totalWork) -
        oldCheckpoints;
      sh.undoTo(tried);
      if (cost <= EPSILON) {
        kept = next;
        break;
      }
    }
    planner.keepUnlessSame(task, old, kept, mark);
    placements[t] = kept;
  }
}

/**
 * The task's earliest-finishing placement by `latest` in 1, 2, … up to `maxSegments` segments (fewest first; none
 * where that many do not fit) on the free capacity, at the sites that can cap power: a dynamic programme over its
 * hours, each hour paused or running at one site, keeping for each (hour, where it runs, segments so far) the most
 * work done. It runs peak hours at its curve's minimum power, the others at full power; each segment after the first
 * pays a restore, the first one as `workOver` counts it. A running job goes on through its committed hours where it
 * runs.
 */
function fewestSegments(
  planner: PowerCapPlanner,
  task: Task,
  curve: PowerCurve,
  latest: number,
  maxSegments: number,
): Candidate[] {
  const sh = planner.siteHours;
  const sites = task.sites.filter((s) => planner.input.sites[s].capsPower);
  const firstHours = sites.map((s) => planner.firstHourAt(task, s));
  const from = Math.min(...firstHours);
  const to = Math.ceil(latest - EPSILON);
  if (sites.length === 0 || from >= to) return [];
  // States: 0 paused, 1 + j running at sites[j]; per hour boundary, state and segments so far.
  const states = sites.length + 1;
  const K = maxSegments + 1;
  const slot = (h: number, state: number, k: number) => ((h - from) * states + state) * K + k;
  const work = new Float64Array((to - from + 1) * states * K).fill(-1);
  const before = new Int32Array(work.length).fill(-1);
  const minRate = throughputAt(curve, curve.minFraction);
  const finishes: { finish: number; last: number; hour: number; site: number }[] = [];
  work[slot(from, 0, 0)] = 0;
  for (let h = from; h < to; h++) {
    const committed = h < task.committed;
    for (let state = 0; state < states; state++)
      for (let k = 0; k < K; k++) {
        const done = work[slot(h, state, k)];
        if (done < 0) continue;
        const here = slot(h, state, k);
        const paused = slot(h + 1, 0, k);
        if (!committed && done > work[paused]) [work[paused], before[paused]] = [done, here];
        for (let j = 0; j < sites.length; j++) {
          const s = sites[j];
          const same = state === j + 1;
          const segments = same ? k : k + 1;
          if (segments >= K || h < firstHours[j]) continue;
          if (committed && s !== task.currentSite) continue;
          const i = s * planner.hours + h;
          const fraction = sh.peak[i] ? curve.minFraction : 1;
          if (!sh.fits(i, task.job.gpus, task.powerMw[s] * fraction)) continue;
          const restore = same ? 0 : k === 0 ? planner.workOver(task, 1, s, h) - task.work : task.checkpointHours;
          const rate = fraction < 1 ? minRate : 1;
          const start = done - restore;
          if (start + rate >= task.work - EPSILON) {
            const finish = h + Math.max(0, task.work - start) / rate;
            const known = finishes[segments];
            if (finish <= latest + EPSILON && (!known || finish < known.finish))
              finishes[segments] = { finish, last: here, hour: h, site: s };
          } else {
            const next = slot(h + 1, j + 1, segments);
            if (start + rate > work[next]) [work[next], before[next]] = [start + rate, here];
          }
        }
      }
  }
  const placements: Candidate[] = [];
  for (const end of finishes) {
    if (!end) continue;
    const hours = [end.hour];
    const at = [end.site];
    for (let here = end.last; before[here] >= 0; here = before[here]) {
      const state = Math.floor(here / K) % states;
      if (state > 0) {
        hours.push(from + Math.floor(here / (K * states)) - 1);
        at.push(sites[state - 1]);
      }
    }
    const hoursOf = Int32Array.from(hours.reverse());
    const sitesOf = Int32Array.from(at.reverse());
    if (planner.hasShortSegment(task, hoursOf, sitesOf)) continue;
    const fractions = Float64Array.from(hoursOf, (h, k) =>
      sh.peak[sitesOf[k] * planner.hours + h] ? curve.minFraction : 1,
    );
    const totalWork = planner.workOver(task, segmentCount(hoursOf, hoursOf.length, sitesOf), sitesOf[0], hoursOf[0]);
    placements.push({ hours: hoursOf, sites: sitesOf, totalWork, cost: 0, finishHour: end.finish, fractions });
  }
  return placements;
}
