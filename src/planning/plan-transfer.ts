import { DateTime } from 'luxon';
import type { PlanInput, PlanJob } from '../domain/planner/plan-types.js';

/**
 * A PlanInput as a worker thread receives it: structured clone keeps numbers, strings, plain objects
 * and typed arrays, but a luxon DateTime arrives as a bare object, so each instant travels as its
 * epoch milliseconds and zone.
 */
export interface PlanInputMessage extends Omit<PlanInput, 'start' | 'now' | 'jobs'> {
  start: Instant;
  now?: Instant;
  jobs: PlanJobMessage[];
}

interface Instant {
  ms: number;
  zone: string;
}

type PlanJobMessage = Omit<PlanJob, 'earliestStart' | 'deadline' | 'runningSince' | 'submittedAt'> & {
  earliestStart: Instant;
  deadline: Instant;
  runningSince?: Instant;
  submittedAt?: Instant;
};

const instant = (at: DateTime): Instant => ({ ms: at.toMillis(), zone: at.zoneName ?? 'utc' });
const dateTime = (at: Instant): DateTime => DateTime.fromMillis(at.ms, { zone: at.zone });

export function planInputMessage({ start, now, jobs, ...rest }: PlanInput): PlanInputMessage {
  return {
    ...rest,
    start: instant(start),
    ...(now ? { now: instant(now) } : {}),
    jobs: jobs.map(({ earliestStart, deadline, runningSince, submittedAt, ...job }) => ({
      ...job,
      earliestStart: instant(earliestStart),
      deadline: instant(deadline),
      ...(runningSince ? { runningSince: instant(runningSince) } : {}),
      ...(submittedAt ? { submittedAt: instant(submittedAt) } : {}),
    })),
  };
}

export function planInputFromMessage({ start, now, jobs, ...rest }: PlanInputMessage): PlanInput {
  return {
    ...rest,
    start: dateTime(start),
    ...(now ? { now: dateTime(now) } : {}),
    jobs: jobs.map(({ earliestStart, deadline, runningSince, submittedAt, ...job }) => ({
      ...job,
      earliestStart: dateTime(earliestStart),
      deadline: dateTime(deadline),
      ...(runningSince ? { runningSince: dateTime(runningSince) } : {}),
      ...(submittedAt ? { submittedAt: dateTime(submittedAt) } : {}),
    })),
  };
}
