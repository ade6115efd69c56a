import type { PowerCurve } from '../energy/power-curve.js';
import type { SlurmJobSpec } from './slurm-job-spec.js';

/**
 * A training job as Westwind stores it. Instants are UTC ISO strings; durations are hours.
 * Plain data, so it serialises to Redis and over HTTP unchanged.
 */
export const JOB_STATES = ['queued', 'scheduled', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobSpec {
  name: string;
  gpus: number;
  /** Wall-clock hours at full allocation, without checkpoint overhead. */
  runtimeHours: number;
  deadline: string;
  earliestStart: string;
  /** false: start as soon as capacity allows and never pause. */
  deferrable: boolean;
  /** true: may pause and resume from a checkpoint. */
  interruptible: boolean;
  /** Overhead of one pause/resume cycle. */
  checkpointMinutes: number;
  /** 0 (lowest) to 9 (highest). */
  priority: number;
  /** Allow-list of sites; undefined means any site. */
  sites?: string[];
  dataRegion?: string;
  datasetGb?: number;
  callbackUrl?: string;
  /** What a Slurm site needs to run the job: its batch script or command and sbatch options. */
  slurm?: SlurmJobSpec;
  /**
   * How the job bends under a GPU power cap (its throughput at a few power fractions); absent: it is
   * never capped, only paused.
   */
  power?: PowerCurve;
}

export interface StateChange {
  at: string;
  from: JobState | null;
  to: JobState;
  reason: string;
}

export interface Job extends JobSpec {
  id: string;
  tenant: string;
  state: JobState;
  submittedAt: string;
  updatedAt: string;
  history: StateChange[];
  /** What execution knows of the job; absent until it first starts. */
  run?: JobRun;
  /** The dispatch action a worker is carrying out for this job, if any. */
  pendingAction?: PendingAction;
  /** The last dispatch action carried out (start, pause, resume, setPower): which plan checked it, and when. */
  lastAction?: PendingAction;
  /** Set while its plan cannot meet its deadline: since when, and what the re-plan that found it late was answering. */
  late?: Lateness;
  /**
   * Queued with `acceptLate` although its deadline could not be met then: the earliest finish offered at submission.
   * Its deadline yields to those of the jobs accepted as feasible (the planner keeps theirs first).
   */
  acceptedLate?: { earliestFinish: string };
  /** On a Slurm site: its Slurm job as Westwind last read it from the site's queue (absent until submitted). */
  slurmJob?: SlurmJobStatus;
}

/** A job's Slurm job, as squeue showed it. */
export interface SlurmJobStatus {
  site: string;
  /** Slurm's job id. */
  id: number;
  /** Slurm's job state: PENDING, RUNNING, SUSPENDED, COMPLETED, FAILED, CANCELLED, TIMEOUT… */
  state: string;
  /** Slurm's reason, e.g. JobHeldUser while Westwind holds it; absent for None. */
  reason?: string;
  /** Held by Westwind (or anyone): pending with priority 0. */
  held: boolean;
  /** The service clock when Westwind read this state. */
  seenAt: string;
}

export interface Lateness {
  since: string;
  /** The re-plan's reasons, e.g. "signals changed in cn-nm": the change that made the deadline unreachable. */
  cause: string;
}

/** An action the service sends to a site's executor. */
export const DISPATCH_ACTIONS = ['start', 'pause', 'resume', 'cancel', 'setPower'] as const;
export type DispatchActionName = (typeof DISPATCH_ACTIONS)[number];

/** A dispatch action a worker has claimed and may have sent: it is carried through before any other. */
export interface PendingAction {
  id: string;
  action: DispatchActionName;
  site: string;
  planVersion: number;
  segment: number;
  /** When a worker claimed it. */
  since: string;
  /** The version of the plan it was checked against when claimed (the current one then; absent in older records). */
  checkedAgainst?: number;
  /** A setPower's power fraction, as the plan it was checked against wanted it. */
  powerFraction?: number;
}

/** A change of a running job's power cap, as the site took it. */
export interface PowerStep {
  at: string;
  /** Share of the job's full power from `at` (1: uncapped). */
  fraction: number;
  reason: string;
}

/** A stretch of time the job actually ran at one site. */
export interface ActualSegment {
  site: string;
  start: string;
  /** Absent while it runs. */
  end?: string;
  /**
   * Power cap changes within the segment, oldest first; before the first (and when absent) the job
   * ran at full power. Metered energy and work done follow them.
   */
  power?: PowerStep[];
}

/** Where the job runs or last ran, how far it got, and the action in flight. */
export interface JobRun {
  site: string;
  /** Hours of work done (checkpoint overhead excluded) as of `reportedAt`. */
  doneHours: number;
  reportedAt: string;
  /** Hours of work safe in the last checkpoint. */
  checkpointedHours: number;
  /** While running after a resume: restoring the checkpoint, no progress until then. */
  restoringUntil?: string;
  segments: ActualSegment[];
  /** While running: the share of its full power the job runs at now (absent: 1, uncapped). */
  powerFraction?: number;
}

export const DEFAULT_CHECKPOINT_MINUTES = 10;
export const DEFAULT_PRIORITY = 5;
