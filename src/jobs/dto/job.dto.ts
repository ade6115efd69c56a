import { type Job, type JobState, type SlurmJobStatus, type StateChange } from '../../domain/jobs/job.js';

/** One change of a job's state. */
export class StateChangeDto implements StateChange {
  at: string;
  /** null for the first entry. */
  from: JobState | null;
  to: JobState;
  reason: string;
}

/** A job's Slurm job on a Slurm site, as Westwind last read it from the site's queue. */
export class SlurmJobStatusDto implements SlurmJobStatus {
  site: string;
  /** Slurm's job id (as in squeue, scontrol, sacct). */
  id: number;
  /** Slurm's job state: PENDING, RUNNING, SUSPENDED, COMPLETED, FAILED, CANCELLED, TIMEOUT… */
  state: string;
  /** Slurm's reason, e.g. JobHeldUser while Westwind holds it; absent when Slurm gives none. */
  reason?: string;
  /** Held: pending with priority 0 until released. */
  held: boolean;
  /** The service clock when Westwind read this state. */
  seenAt: string;
}

/** A stored job: the submitted fields with defaults applied, plus its state and history. */
export class JobDto implements Job {
  id: string;
  tenant: string;
  name: string;
  gpus: number;
  runtimeHours: number;
  deadline: string;
  earliestStart: string;
  deferrable: boolean;
  interruptible: boolean;
  checkpointMinutes: number;
  priority: number;
  sites?: string[];
  dataRegion?: string;
  datasetGb?: number;
  callbackUrl?: string;
  /** One of queued, scheduled, running, paused, completed, failed, cancelled. */
  state: JobState;
  submittedAt: string;
  updatedAt: string;
  history: StateChangeDto[];
  /** On a Slurm site: its Slurm job id and state beside Westwind's (absent until it is submitted there). */
  slurmJob?: SlurmJobStatusDto;
}

export class JobPageDto {
  items: JobDto[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export class PlannedSegmentDto {
  site: string;
  start: string;
  end: string;
}

/** The job's part of the current plan. */
export class PlannedJobDto {
  /** Version of the plan this comes from. */
  version: number;
  site: string | null;
  segments: PlannedSegmentDto[];
  expectedFinish: string | null;
  meetsDeadline: boolean;
  /** Why the job is where it is, in words. */
  reason: string;
}

export class JobWithPlanDto extends JobDto {
  /** null until the planner has placed the job. */
  plan: PlannedJobDto | null;
}
