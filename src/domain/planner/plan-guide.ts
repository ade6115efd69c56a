import { lpBound } from './lp-bound.js';
import { plan } from './plan.js';
import type { PlanGuide, PlanInput } from './plan-types.js';

/**
 * A `PlanGuide` solved for one plan's hours, kept for the re-plans after it: the LP takes seconds where a
 * greedy placement takes milliseconds, so the live planner solves it once per plan hour, or again when the work
 * has grown by a quarter.
 */
export interface SolvedGuide {
  /** Epoch ms of the hour 0 it was solved for. */
  startMs: number;
  siteIds: readonly string[];
  hours: number;
  /** Deferrable jobs it was solved with. */
  jobs: number;
  /** Absent when the LP did not solve in its time: tried again only when the guide is no longer current. */
  guide?: PlanGuide;
}

/** The share by which the deferrable jobs may grow before a guide is solved again. */
const GROWTH_BEFORE_RESOLVE = 0.25;

/** The deferrable jobs of an input: what the LP places (the others follow their fixed rule). */
export function deferrableJobs(input: PlanInput): number {
  return input.jobs.filter((j) => j.deferrable).length;
}

/** Whether `solved` can still guide `input`'s plan: the same hours and sites, and not a quarter more work since. */
export function guideIsCurrent(solved: SolvedGuide | undefined, input: PlanInput): solved is SolvedGuide {
  return (
    solved !== undefined &&
    solved.startMs === input.start.toMillis() &&
    solved.hours === input.hours &&
    solved.siteIds.join() === input.sites.map((s) => s.id).join() &&
    deferrableJobs(input) <= solved.jobs * (1 + GROWTH_BEFORE_RESOLVE)
  );
}

/**
 * Solves the LP relaxation of `input` for its GPU-hour prices within `timeLimitSeconds` of HiGHS's time. The
 * non-deferrable jobs' load is taken from fifo's plan, which costs no search (westwind places them first, fifo in
 * order of arrival: close enough for prices).
 */
export async function solveGuide(input: PlanInput, timeLimitSeconds: number): Promise<SolvedGuide> {
  const fixed = plan({ ...input, options: { ...input.options, strategy: 'fifo' } });
  const lp = await lpBound(input, fixed, { time_limit: timeLimitSeconds });
  return {
    startMs: input.start.toMillis(),
    siteIds: input.sites.map((s) => s.id),
    hours: input.hours,
    jobs: deferrableJobs(input),
    guide: lp.gpuHourPrice && { gpuHourPrice: lp.gpuHourPrice },
  };
}
