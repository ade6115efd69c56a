import type { SlurmPauseMode } from '../../../config/westwind-config.js';
import { ExecutorError } from '../http/http.executor.js';
import type { SlurmCommand } from './slurm-cli.js';
import { isFinished, type SlurmJob } from './slurm-queue.js';

/**
 * What an action still has to do to one Slurm job, as data: the single-job path runs the steps one
 * after the other, a batch runs each verb once over the ids of every job that needs it.
 * `begin-now` (StartTime=now: a requeued job would otherwise wait ~2 min) comes before `release`.
 */
export type SlurmVerb = 'begin-now' | 'release' | 'resume' | 'hold' | 'suspend' | 'requeuehold' | 'cancel';

export interface SlurmStep {
  verb: SlurmVerb;
  id: number;
}

/** Steps of one phase run before those of the next (a job's `begin-now` before its `release`). */
export function phaseOf(verb: SlurmVerb): 0 | 1 {
  return verb === 'begin-now' ? 0 : 1;
}

/** start and resume: a held job is released (eligible now), a suspended one resumed. */
export function releaseSteps(job: SlurmJob): SlurmStep[] {
  const id = job.id;
  if (job.state === 'SUSPENDED') return [{ verb: 'resume', id }];
  if (job.held)
    return [
      { verb: 'begin-now', id },
      { verb: 'release', id },
    ];
  if (job.state === 'PENDING' && job.reason === 'BeginTime') return [{ verb: 'begin-now', id }];
  if (job.state === 'COMPLETING') throw new ExecutorError(`Slurm job ${id} is still completing its requeue; try again`);
  // Running, pending released, or ended (the poll reports how): nothing to do.
  return [];
}

/** pause: requeue-hold (SIGTERM, checkpoint, GPUs freed) or suspend a running job; hold a pending one. */
export function holdSteps(job: SlurmJob, pauseMode: SlurmPauseMode): SlurmStep[] {
  const id = job.id;
  if (job.held || isFinished(job) || job.state === 'COMPLETING') return [];
  if (job.state === 'SUSPENDED') return pauseMode === 'suspend' ? [] : [{ verb: 'requeuehold', id }];
  if (job.state === 'PENDING') return [{ verb: 'hold', id }];
  return [{ verb: pauseMode === 'suspend' ? 'suspend' : 'requeuehold', id }];
}

/** cancel: every Slurm job of the Westwind job here that has not ended. */
export function cancelSteps(jobs: readonly SlurmJob[]): SlurmStep[] {
  return jobs.filter((job) => !isFinished(job)).map((job) => ({ verb: 'cancel', id: job.id }));
}

/**
 * The command carrying out `verb` for every job in `ids` at once: scontrol takes a comma-separated
 * job list (acting on each job it can, and exiting 1 when any failed), scancel a list of ids.
 */
export function commandFor(verb: SlurmVerb, ids: readonly number[]): [SlurmCommand, string[]] {
  const list = ids.join(',');
  switch (verb) {
    case 'begin-now':
      return ['scontrol', ['update', `JobId=${list}`, 'StartTime=now']];
    case 'cancel':
      return ['scancel', ids.map(String)];
    default:
      return ['scontrol', [verb, list]];
  }
}
