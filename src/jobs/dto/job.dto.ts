import {
  type ActualSegment,
  type Job,
  type JobRun,
  type JobState,
  type PowerStep,
  type SlurmJobStatus,
  type StateChange,
} from '../../domain/jobs/job.js';
import { PowerCurveDto } from './power-curve.dto.js';

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

/** A change of a running job's GPU power cap, as its site took it. */
export class PowerStepDto implements PowerStep {
  at: string;
  /** Share of the job's full power from `at` (1: uncapped). */
  fraction: number;
  /** e.g. "capped to 70% power; plan 12: …". */
  reason: string;
}

/** A stretch of time the job ran at one site. */
export class ActualSegmentDto implements ActualSegment {
  site: string;
  start: string;
  /** Absent while it runs. */
  end?: string;
  /** Power cap changes within it, oldest first; full power before the first (and when absent). */
  power?: PowerStepDto[];
}

/** Where the job runs or last ran and how far it got. */
export class JobRunDto implements JobRun {
  site: string;
  /** Hours of work (at full power) done as of `reportedAt`. */
  doneHours: number;
  reportedAt: string;
  checkpointedHours: number;
  restoringUntil?: string;
  segments: ActualSegmentDto[];
  /** While running: the share of its full power the job runs at now; absent = 1 (uncapped). */
  powerFraction?: number;
}

export class AcceptedLateDto {
  /** The earliest finish the plan offered at submission (UTC). */
  earliestFinish: string;
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
  /** How the job bends under a power cap, highest fraction first (absent: never capped). */
  power?: PowerCurveDto;
  /** One of queued, scheduled, running, paused, completed, failed, cancelled. */
  state: JobState;
  submittedAt: string;
  updatedAt: string;
  history: StateChangeDto[];
  /**
   * Queued with `acceptLate` past the earliest finish then offered (here): its deadline yields to those of the jobs
   * accepted as feasible. Absent for a job accepted as feasible.
   */
  acceptedLate?: AcceptedLateDto;
  /** Where it runs or last ran, work done, its power cap now and the caps it ran at; absent until it first starts. */
  run?: JobRunDto;
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
  /** The share of its full power the plan runs the job at here; absent = 1. */
  powerFraction?: number;
}

/** The job's part of the current plan. */
export class PlannedJobDto {
  /** Version of the plan this comes from. */
  version: number;
  site: string | null;
  segments: PlannedSegmentDto[];
  expectedFinish: string | null;
  meetsDeadline: boolean;
  /**
   * The chance (0–1, 3 decimals) that it finishes after its deadline because hours the plan takes as off-peak turn
   * out peaks (the zone's load forecast may be wrong): a deferrable job then pauses and does that work later. 1 when
   * the plan already finishes late; 0 for a job that runs through peaks. null: the plan was made before it was
   * computed.
   */
  lateRisk: number | null;
  /** Why the job is where it is, in words. */
  reason: string;
}

export class JobWithPlanDto extends JobDto {
  /** null until the planner has placed the job. */
  plan: PlannedJobDto | null;
}
