import type { DateTime } from 'luxon';
import { throughputAt, type PowerCurve } from '../energy/power-curve.js';
import type { Job, JobRun, PowerStep } from '../jobs/job.js';
import { isTerminal, transition } from '../jobs/job-state-machine.js';
import { formatInstant } from '../time/instant.js';
import { HOUR_MS } from '../time/hours.js';

/**
 * Work done by `at`: the last report, plus the time running since (after any checkpoint restore) at
 * the throughput of the power it ran at (full rate uncapped). Between reports a running job is
 * assumed to keep pace.
 */
export function workDone(job: Job, at: DateTime): number {
  const run = job.run;
  if (!run) return 0;
  if (job.state !== 'running') return run.doneHours;
  const from = Math.max(Date.parse(run.reportedAt), run.restoringUntil ? Date.parse(run.restoringUntil) : 0);
  const steps = run.segments.at(-1)?.power;
  return Math.min(job.runtimeHours, run.doneHours + workBetween(job.power, steps, from, at.toMillis()));
}

/**
 * Hours of work (at full rate) a job with this curve does from `fromMs` to `toMs` (epoch ms) under
 * these power steps: at full power before the first, at each step's throughput from it on.
 */
export function workBetween(
  curve: PowerCurve | undefined,
  steps: readonly Pick<PowerStep, 'at' | 'fraction'>[] | undefined,
  fromMs: number,
  toMs: number,
): number {
  if (toMs <= fromMs) return 0;
  let work = 0;
  let fraction = 1;
  let cursor = fromMs;
  for (const step of steps ?? []) {
    const stepMs = Date.parse(step.at);
    if (stepMs > cursor) {
      const until = Math.min(stepMs, toMs);
      work += ((until - cursor) / HOUR_MS) * throughputAt(curve, fraction);
      cursor = until;
      if (cursor >= toMs) return work;
    }
    fraction = step.fraction;
  }
  return work + ((toMs - cursor) / HOUR_MS) * throughputAt(curve, fraction);
}

/**
 * The running job capped to `fraction` of its full power from `at` (1 lifts the cap): the step is
 * kept on its open run segment, so the energy meter and work done follow it.
 */
export function powerSet(job: Job, fraction: number, at: DateTime, reason: string): Job {
  const run = job.run!;
  const iso = formatInstant(at);
  const step: PowerStep = { at: iso, fraction, reason };
  const segments = run.segments.map((s, i) =>
    i === run.segments.length - 1 && s.end === undefined ? { ...s, power: [...(s.power ?? []), step] } : s,
  );
  const { powerFraction: _previous, ...rest } = run;
  return {
    ...job,
    updatedAt: iso,
    run: fraction < 1 ? { ...rest, segments, powerFraction: fraction } : { ...rest, segments },
  };
}

/** The share of its full power the job runs at now (1 when uncapped or not running). */
export function currentPowerFraction(job: Pick<Job, 'state' | 'run'>): number {
  return job.state === 'running' ? (job.run?.powerFraction ?? 1) : 1;
}

/**
 * The site whose GPUs the job holds, and how many: where it runs, or where a start or resume has been
 * claimed for it (the site is being told), from the claim on. A pause frees them once the site took it.
 */
export function gpusHeld(
  job: Pick<Job, 'state' | 'gpus' | 'run' | 'pendingAction'>,
): { site: string; gpus: number } | undefined {
  if (isTerminal(job.state)) return undefined;
  const arriving = job.pendingAction?.action === 'start' || job.pendingAction?.action === 'resume';
  if (arriving) return { site: job.pendingAction!.site, gpus: job.gpus };
  if (job.state === 'running' && job.run) return { site: job.run.site, gpus: job.gpus };
  return undefined;
}

/** Work left in hours at full allocation. */
export function workLeft(job: Job, at: DateTime): number {
  return Math.max(0, job.runtimeHours - workDone(job, at));
}

/**
 * The job running at `site` from `at`. A resume first restores the checkpoint (the job's
 * checkpoint minutes, no progress meanwhile); work since the last checkpoint is kept only when
 * the pause checkpointed it, which Westwind's pauses always do.
 */
export function started(job: Job, site: string, at: DateTime, reason: string): Job {
  const iso = formatInstant(at);
  const resuming = job.state === 'paused';
  const previous = job.run;
  const run: JobRun = {
    site,
    doneHours: previous?.doneHours ?? 0,
    reportedAt: iso,
    checkpointedHours: previous?.checkpointedHours ?? 0,
    restoringUntil: resuming ? formatInstant(at.plus({ minutes: job.checkpointMinutes })) : undefined,
    segments: [...(previous?.segments ?? []), { site, start: iso }],
  };
  return { ...transition(job, 'running', iso, reason), run };
}

/** The job paused at `at`, its work so far checkpointed. */
export function paused(job: Job, at: DateTime, reason: string): Job {
  const done = workDone(job, at);
  return {
    ...transition(job, 'paused', formatInstant(at), reason),
    run: closeRun(job, at, { doneHours: done, checkpointedHours: done }),
  };
}

/** The job finished (completed, failed or cancelled) at `at`. */
export function finished(job: Job, to: 'completed' | 'failed' | 'cancelled', at: DateTime, reason: string): Job {
  const next = transition(job, to, formatInstant(at), reason);
  if (!job.run) return next;
  return { ...next, run: closeRun(job, at, { doneHours: to === 'completed' ? job.runtimeHours : workDone(job, at) }) };
}

/** A progress report from the site: work done as of `at`. */
export function progressed(job: Job, doneHours: number, at: DateTime, checkpointed = false): Job {
  const run = job.run!;
  return {
    ...job,
    updatedAt: formatInstant(at),
    run: {
      ...run,
      doneHours,
      reportedAt: formatInstant(at),
      checkpointedHours: checkpointed ? doneHours : run.checkpointedHours,
      restoringUntil: undefined,
    },
  };
}

function closeRun(job: Job, at: DateTime, change: Partial<JobRun>): JobRun {
  const run = job.run!;
  const iso = formatInstant(at);
  const segments = run.segments.map((s, i) =>
    i === run.segments.length - 1 && s.end === undefined ? { ...s, end: iso } : s,
  );
  // A job that stops runs at no cap: the next start or resume begins at full power.
  return { ...run, ...change, reportedAt: iso, restoringUntil: undefined, segments, powerFraction: undefined };
}
