import type { DispatchActionName, Job } from '../domain/jobs/job.js';
import type { JobPlan } from '../domain/planner/plan-types.js';

/**
 * What planning asks of execution after storing a plan: send each job the action its plan wants
 * now (start, pause, resume, or setPower when its segment's power fraction differs from the one it
 * runs at), and say how many of each were sent. Execution provides it (DispatchService), so planning
 * never imports execution; the application module hands the provider in (PlanningModule.forRoot).
 */
/** Dispatch actions sent, by action. */
export type ActionCounts = Partial<Record<DispatchActionName, number>>;

export abstract class PlanDispatcher {
  abstract dispatchPlan(version: number, parts: readonly JobPlan[], jobs: readonly Job[]): Promise<ActionCounts>;
}
