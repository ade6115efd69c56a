import { HOUR_MS } from '../time/hours.js';
import { lpBound } from './lp-bound.js';
import { plan } from './plan.js';
import type { Plan, PlanGuide, PlanInput } from './plan-types.js';

/**
 * A `PlanGuide` solved for one plan's hours, kept for the re-plans after it: the LP takes seconds where a
 * greedy placement takes milliseconds, so the live planner solves it once per plan hour (or when the work has
 * grown by a quarter), and at most once a minute of real time: under a fast virtual clock (the demo's 2880×, an
 * hour in 1.25 s) solving every hour put hours of lag between plans. In between, its prices move with the hours.
 */
export interface SolvedGuide {
  /** Epoch ms of the hour 0 it was solved for. */
  startMs: number;
  siteIds: readonly string[];
  hours: number;
  /** Deferrable jobs it was solved with. */
  jobs: number;
  /** When it was solved, on the real clock (ms): for the minimum real time between solves. */
  solvedAtRealMs: number;
  /** Absent when the LP did not solve in its time: tried again only when a guide is due. */
  guide?: PlanGuide;
}

/** The share by which the deferrable jobs may grow before a guide is solved again. */
const GROWTH_BEFORE_RESOLVE = 0.25;
/** At most one solve per this much real time, whatever the clock's speed. */
export const RESOLVE_AT_MOST_EVERY_MS = 60_000;

/** The deferrable jobs of an input: what the LP places (the others follow their fixed rule). */
export function deferrableJobs(input: PlanInput): number {
  return input.jobs.filter((j) => j.deferrable).length;
}

/** Whether `solved` was solved for `input`'s sites and hours, at or before its hour 0: its prices move to it. */
function guideFits(solved: SolvedGuide, input: PlanInput): boolean {
  return (
    solved.hours === input.hours &&
    solved.siteIds.join() === input.sites.map((s) => s.id).join() &&
    input.start.toMillis() >= solved.startMs
  );
}

/**
 * Whether a guide must be solved for `input` (at `realMs` on the real clock): there is none for its sites and
 * hours, or the one there is was solved for an earlier hour or a quarter less work, a minute or more ago.
 */
export function guideIsDue(solved: SolvedGuide | undefined, input: PlanInput, realMs: number): boolean {
  if (!solved || !guideFits(solved, input)) return true;
  const stale =
    solved.startMs !== input.start.toMillis() || deferrableJobs(input) > solved.jobs * (1 + GROWTH_BEFORE_RESOLVE);
  return stale && realMs - solved.solvedAtRealMs >= RESOLVE_AT_MOST_EVERY_MS;
}

/**
 * Solves the LP relaxation of `input` for its GPU-hour prices within `timeLimitSeconds` of HiGHS's time. The
 * non-deferrable jobs' load is taken from fifo's plan, which costs no search (westwind places them first, fifo in
 * order of arrival: close enough for prices).
 */
export async function solveGuide(input: PlanInput, timeLimitSeconds: number, realMs: number): Promise<SolvedGuide> {
  const fixed = plan({ ...input, options: { ...input.options, strategy: 'fifo' } });
  const lp = await lpBound(input, fixed, { time_limit: timeLimitSeconds });
  return { ...shapeOf(input), solvedAtRealMs: realMs, guide: lp.gpuHourPrice && { gpuHourPrice: lp.gpuHourPrice } };
}

function shapeOf(input: PlanInput): Pick<SolvedGuide, 'startMs' | 'siteIds' | 'hours' | 'jobs'> {
  return {
    startMs: input.start.toMillis(),
    siteIds: input.sites.map((s) => s.id),
    hours: input.hours,
    jobs: deferrableJobs(input),
  };
}

/** `solved`'s prices for `input`, moved to its hour 0 (hours past those solved are priced 0). */
export function movedGuide(solved: SolvedGuide, input: PlanInput): PlanGuide | undefined {
  if (!solved.guide) return undefined;
  const shift = Math.round((input.start.toMillis() - solved.startMs) / HOUR_MS);
  if (shift === 0) return solved.guide;
  const H = solved.hours;
  const old = solved.guide.gpuHourPrice;
  const gpuHourPrice = new Float64Array(old.length);
  for (let s = 0; s < solved.siteIds.length; s++) gpuHourPrice.set(old.subarray(s * H + shift, (s + 1) * H), s * H);
  return { gpuHourPrice };
}

/** Which re-plans a `GuidedPlanner` guides, and HiGHS's time for each LP (`planner.priceGuide*` in the service). */
export interface GuideLimits {
  /** Re-plans of more deferrable jobs than this are planned unguided. */
  maxJobs: number;
  solveSeconds: number;
}

/** Solves a guide for an input (`solveGuide`, here or on another thread). */
export type GuideSolver = (input: PlanInput, timeLimitSeconds: number, realMs: number) => Promise<SolvedGuide>;

/**
 * Keeps the LP's prices for the re-plans of one planner, solved again when due (`guideIsDue`): for re-plans of up to
 * `maxJobs` deferrable jobs (larger ones, and inputs without deferrable work, go unguided), the LP given
 * `solveSeconds` of HiGHS's time (past it, unguided until the guide is due again).
 *
 * Waiting (the replay, on its simulated hours as a service on a real-time clock would), a re-plan that finds the guide
 * due waits for its solve, so a replay is the same on every run. In the background (the live service), it is planned
 * with the guide there is while the next one is solved on another thread: a solve takes seconds, ten at a few hundred
 * jobs on a loaded machine, which at the demo's 2880× are eight hours in which no plan, so no dispatch, came.
 */
export class GuideKeeper {
  private solved?: SolvedGuide;
  private solving = false;

  /**
   * `background`: plan on while a guide is solved (else wait for it); `onKept`: called each time a solve ends and its
   * guide is kept (or, failed, given up on until the next is due).
   */
  constructor(
    private readonly solve: GuideSolver = solveGuide,
    private readonly options: { background?: boolean; onKept?: () => void } = {},
  ) {}

  /** The guide for `input`, its solve started (background) or awaited (waiting) when one is due. */
  async guideFor(input: PlanInput, limits: GuideLimits, realMs: number): Promise<PlanGuide | undefined> {
    const deferrable = deferrableJobs(input);
    if (deferrable === 0 || deferrable > limits.maxJobs) return undefined;
    if (!this.solving && guideIsDue(this.solved, input, realMs)) {
      this.solving = true;
      const kept = this.solve(input, limits.solveSeconds, realMs)
        // A solve that failed counts as one that ran out of time: tried again when a guide is next due.
        .catch(() => ({ ...shapeOf(input), solvedAtRealMs: realMs }))
        .then((solved) => {
          this.solved = solved;
          this.solving = false;
          this.options.onKept?.();
        });
      if (!this.options.background) await kept;
    }
    return this.solved && guideFits(this.solved, input) ? movedGuide(this.solved, input) : undefined;
  }
}

/** Plans with a waiting `GuideKeeper` solving here: the replay's planner. */
export class GuidedPlanner {
  private readonly keeper = new GuideKeeper();

  async plan(input: PlanInput, limits: GuideLimits, realMs: number): Promise<Plan> {
    const guide = await this.keeper.guideFor(input, limits, realMs);
    return plan(guide ? { ...input, guide } : input);
  }
}
