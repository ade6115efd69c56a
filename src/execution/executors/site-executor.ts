import type { DispatchActionName } from '../../domain/jobs/job.js';
import type { SlurmJobSpec } from '../../domain/jobs/slurm-job-spec.js';

/** What a site is told to do: one action for one job, with what the site needs to carry it out. */
export interface ExecutorOrder {
  /** The dispatch action id: the same order always carries the same id, so a site can ignore repeats. */
  actionId: string;
  action: DispatchActionName;
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
  };
  /** The service clock's now, ISO. */
  at: string;
}

/**
 * A compute site as the service drives it. Each call returns once the site has taken the order;
 * it throws when the site could not (the dispatch queue retries with backoff). The site reports
 * progress, checkpoints, completion and failure back through the job events path.
 */
export interface SiteExecutor {
  perform(order: ExecutorOrder): Promise<void>;
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
