import { LATE_RISK_THRESHOLD } from './lateness-risk.js';
import type { Plan, PlanJobState } from './plan-types.js';

/** Planned AI power per site and hour, split by what each job is doing now. */
export interface LoadByState {
  running: number[];
  paused: number[];
  /** Queued or scheduled: not started yet. */
  waiting: number[];
  /** What power caps take off the jobs' full power in each hour (a capped job counts at its capped power above). */
  cappedOff: number[];
}

/** What operators see of a plan beyond its totals: the load by job state, and the jobs it finishes late. */
export interface PlanSummary {
  loadByState: Record<string, LoadByState>;
  late: { count: number; jobs: string[] };
  /**
   * Jobs whose late risk (`lateRisk`, from peaks the load forecast may have wrong) is at least LATE_RISK_THRESHOLD,
   * the late ones included; absent from summaries stored before it was counted.
   */
  lateRisk?: { threshold: number; count: number; jobs: string[] };
}

const LATE_LISTED = 20;

/**
 * Summarises a plan for display: each job's planned segments add its power (capped, where the plan
 * caps it) to its site's hours, stacked by the job's state now; jobs whose plan misses the deadline
 * (or has no placement) are late; jobs whose `lateRisk` is at least LATE_RISK_THRESHOLD are at risk.
 */
export function summarisePlan(
  plan: Plan,
  jobs: ReadonlyMap<string, { state: PlanJobState; gpus: number }>,
  powerMw: (gpus: number, site: string) => number,
): PlanSummary {
  const loadByState: Record<string, LoadByState> = {};
  const zeros = () => new Array<number>(plan.hours).fill(0);
  for (const site of Object.keys(plan.load))
    loadByState[site] = { running: zeros(), paused: zeros(), waiting: zeros(), cappedOff: zeros() };
  const late: string[] = [];
  const atRisk: string[] = [];
  for (const part of plan.jobs) {
    const job = jobs.get(part.jobId);
    if (!job) continue;
    if (!part.meetsDeadline) late.push(part.jobId);
    if ((part.lateRisk ?? 0) >= LATE_RISK_THRESHOLD) atRisk.push(part.jobId);
    const stack = job.state === 'running' ? 'running' : job.state === 'paused' ? 'paused' : 'waiting';
    for (const segment of part.segments) {
      const site = loadByState[segment.site];
      if (!site) continue;
      const mw = powerMw(job.gpus, segment.site);
      const fraction = segment.powerFraction ?? 1;
      for (let h = Math.max(0, segment.startHour); h < Math.min(plan.hours, segment.endHour); h++) {
        site[stack][h] += mw * fraction;
        site.cappedOff[h] += mw * (1 - fraction);
      }
    }
  }
  return {
    loadByState,
    late: { count: late.length, jobs: late.slice(0, LATE_LISTED) },
    lateRisk: { threshold: LATE_RISK_THRESHOLD, count: atRisk.length, jobs: atRisk.slice(0, LATE_LISTED) },
  };
}
