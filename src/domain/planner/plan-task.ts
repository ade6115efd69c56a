import type { PlanInput, PlanJob } from './plan-types.js';

/** Tolerance of the planner's comparisons of hours and costs. */
export const EPSILON = 1e-9;

/** A job compiled to hour indexes for one planning run. */
export interface Task {
  job: PlanJob;
  /** Hours of work to do, checkpoint overhead excluded. */
  work: number;
  checkpointHours: number;
  earliestHour: number;
  /** Hours before this index end by the deadline. */
  deadlineHour: number;
  /** The deadline itself, in hours from hour 0 (at most the horizon): a finish up to it is on time. */
  deadlineAt: number;
  /** Where it can, it finishes by this hour: `deadlineMarginHours` before its deadline (see `dueHour`). */
  dueHour: number;
  sites: number[];
  powerMw: Float64Array;
  currentSite: number;
  /** Hours [0, committed) a running job keeps at its current site (see `committedHours`). */
  committed: number;
  /**
   * The first of them held whatever comes; those after, only for a started job's longer minimum segment, yield to a
   * job that would otherwise miss its deadline (see `repairDeadlines`).
   */
  firmCommitted: number;
  /** No segment of it shorter than this (see `minSegmentHours`). */
  minSegmentHours: number;
}

export interface Candidate {
  /** The hours it runs, ascending, and the site of each. */
  hours: Int32Array;
  sites: Int32Array;
  /** Work hours including checkpoint overhead, spread over `hours` (the last one partly). */
  totalWork: number;
  cost: number;
  finishHour: number;
  /** Power fraction of each hour where it runs capped (see `capUnderImportCaps`); absent: full power throughout. */
  fractions?: Float64Array;
}

/** Whether the placement finishes by the task's deadline, to its minute. */
export function onTime(task: Task, candidate: Candidate): boolean {
  return candidate.finishHour <= task.deadlineAt + EPSILON;
}

/**
 * `task` with `changes`, built field by field in `compile`'s order: a spread (`{ ...task, work }`) gives an object of
 * another hidden class, and the placement code, which reads every task, then runs slower for all of them. With
 * candidates of one shape too (`fractions` always present): the flexible-jobs week 2.25 → 2.14 s (best of nine plans
 * each, interleaved; session 36).
 */
export function taskWith(task: Task, changes: Partial<Task>): Task {
  return {
    job: changes.job ?? task.job,
    work: changes.work ?? task.work,
    checkpointHours: changes.checkpointHours ?? task.checkpointHours,
    earliestHour: changes.earliestHour ?? task.earliestHour,
    deadlineHour: changes.deadlineHour ?? task.deadlineHour,
    deadlineAt: changes.deadlineAt ?? task.deadlineAt,
    dueHour: changes.dueHour ?? task.dueHour,
    sites: changes.sites ?? task.sites,
    powerMw: changes.powerMw ?? task.powerMw,
    currentSite: changes.currentSite ?? task.currentSite,
    committed: changes.committed ?? task.committed,
    firmCommitted: changes.firmCommitted ?? task.firmCommitted,
    minSegmentHours: changes.minSegmentHours ?? task.minSegmentHours,
  };
}

/** A re-plan while work is under way (some job runs or was paused), not a first plan. */
export function underWay(input: PlanInput): boolean {
  return input.jobs.some(hasStarted);
}

/** Running or paused: its hours from here on each pay a restore where a segment starts, and it has waited since. */
export function hasStarted(job: PlanJob): boolean {
  return job.state === 'running' || job.state === 'paused';
}
