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
}

export const DEFAULT_CHECKPOINT_MINUTES = 10;
export const DEFAULT_PRIORITY = 5;
