import type { PowerCurve } from '../../domain/energy/power-curve.js';
import type { DispatchActionName } from '../../domain/jobs/job.js';
import type { SlurmJobSpec } from '../../domain/jobs/slurm-job-spec.js';

/** The actions every site carries out through `perform`; setPower has its own, optional, method. */
export type SiteActionName = Exclude<DispatchActionName, 'setPower'>;

/** What a site is told to do: one action for one job, with what the site needs to carry it out. */
export interface ExecutorOrder {
  /** The dispatch action id: the same order always carries the same id, so a site can ignore repeats. */
  actionId: string;
  action: SiteActionName;
  jobId: string;
  site: string;
  planVersion: number;
  segment: number;
  job: {
    name: string;
    gpus: number;
    runtimeHours: number;
    /** Work done so far (a resume restores from here). */
    doneHours: number;
    checkpointMinutes: number;
    callbackUrl?: string;
    /** What a Slurm site needs to run it (absent for jobs that name none). */
    slurm?: SlurmJobSpec;
    /** How the job bends under a power cap (absent for jobs that declare none: they are never capped). */
    power?: PowerCurve;
  };
  /** The service clock's now, ISO. */
  at: string;
}

/**
 * Cap a running job's GPU power to `powerFraction` of its full power (1 lifts the cap), from now
 * until the next setPower, pause or finish. A start or resume always begins at full power.
 */
export interface PowerOrder extends Omit<ExecutorOrder, 'action'> {
  action: 'setPower';
  /** Share of the job's full power, within the job's [power.minFraction, 1]. */
  powerFraction: number;
}

/**
 * A compute site as the service drives it. Each call returns once the site has taken the order;
 * it throws when the site could not (the dispatch queue retries with backoff). The site reports
 * progress, checkpoints, completion and failure back through the job events path.
 */
export interface SiteExecutor {
  perform(order: ExecutorOrder): Promise<void>;
  /**
   * Caps a running job's power (optional: a site without it is never sent one; the planner's caps
   * there are not carried out). Same contract as perform: returns once the site took the order,
   * throws when it could not; an order seen twice (same actionId) acts once.
   */
  setPower?(order: PowerOrder): Promise<void>;
  /**
   * Whether setPower is usable at this site, for executors where that depends on configuration (a
   * Slurm site with no power command configured); absent: usable whenever setPower exists.
   */
  readonly capsPower?: boolean;
}

/** A site executor that can cap power. */
export type PowerCappingExecutor = SiteExecutor & Required<Pick<SiteExecutor, 'setPower'>>;

/** Whether the site can cap a running job's GPU power: it has setPower and does not say it cannot. */
export function supportsPowerCapping(executor: SiteExecutor): executor is PowerCappingExecutor {
  return typeof executor.setPower === 'function' && executor.capsPower !== false;
}

/** A job event as a site reports it (POST /v1/jobs/:id/events, or a simulated site in-process). */
export type JobEvent =
  | { type: 'progress'; doneHours: number; at?: string }
  | { type: 'checkpointed'; doneHours: number; at?: string }
  | { type: 'completed'; at?: string }
  | { type: 'failed'; reason: string; at?: string }
  /** In process only (a Slurm job cancelled by its owner with scancel); agents cannot send it. */
  | { type: 'cancelled'; reason: string; at?: string };

export const JOB_EVENT_TYPES = ['progress', 'checkpointed', 'completed', 'failed'] as const;

/** Where executors send what happened: the service side of the job events path. */
export interface ExecutionReports {
  /** true once the report is taken or moot (the job finished or left the site); false to send it again later. */
  report(site: string, jobId: string, event: JobEvent): Promise<boolean>;
}

/** Which sites can cap power, for the dispatch decisions: false for a site with no executor. */
export function powerCappingSites(executors: { forSite(site: string): SiteExecutor }): (site: string) => boolean {
  return (site) => {
    try {
      return supportsPowerCapping(executors.forSite(site));
    } catch {
      return false;
    }
  };
}
