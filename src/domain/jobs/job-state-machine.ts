import { Job, JobState, StateChange } from './job.js';

/**
 * queued → scheduled → running ⇄ paused → completed | failed | cancelled.
 * A plan change may send a scheduled job back to the queue; any live job can fail or be cancelled.
 */
const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  queued: ['scheduled', 'failed', 'cancelled'],
  scheduled: ['running', 'queued', 'failed', 'cancelled'],
  running: ['paused', 'completed', 'failed', 'cancelled'],
  // A site may finish a job just as the pause reaches it.
  paused: ['running', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super(`a ${from} job cannot become ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function isTerminal(state: JobState): boolean {
  return TRANSITIONS[state].length === 0;
}

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Returns the job in its new state with the change appended to its history; never mutates. */
export function transition(job: Job, to: JobState, at: string, reason: string): Job {
  if (!canTransition(job.state, to)) throw new IllegalTransitionError(job.state, to);
  const change: StateChange = { at, from: job.state, to, reason };
  return { ...job, state: to, updatedAt: at, history: [...job.history, change] };
}

/** The first history entry of a new job. */
export function admitted(at: string): StateChange {
  return { at, from: null, to: 'queued', reason: 'submitted' };
}
