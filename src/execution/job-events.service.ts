import { Inject, Injectable, Logger } from '@nestjs/common';
import { DateTime } from 'luxon';
import { jobNotFound } from '../common/job-errors.js';
import { ProblemException } from '../common/problem.js';
import { CLOCK } from '../config/config.module.js';
import { finished, progressed, workDone } from '../domain/execution/job-run.js';
import type { Job } from '../domain/jobs/job.js';
import { isTerminal } from '../domain/jobs/job-state-machine.js';
import type { Clock } from '../domain/time/clock.js';
import { parseInstant } from '../domain/time/instant.js';
import { type JobChange, JobChanges } from '../jobs/job-changes.js';
import { JobNotFoundError, JobsRepository } from '../jobs/jobs.repository.js';
import { OFF_PLAN_HOURS } from './execution.constants.js';
import type { ExecutionReports, JobEvent } from './executors/site-executor.js';

/** How far in the future a site's clock may be before its report is refused. */
const CLOCK_SKEW_MS = 60_000;

/**
 * What sites report about the jobs they run: progress, checkpoints, completion, failure. The one
 * path for both the http agents (POST /v1/jobs/:id/events) and the simulated sites. Only the site
 * a job runs at may report on it; a report older than the last one changes nothing.
 */
@Injectable()
export class JobEventsService implements ExecutionReports {
  private readonly logger = new Logger('JobEvents');

  constructor(
    private readonly jobs: JobsRepository,
    private readonly changes: JobChanges,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Applies a site's report; returns the job as it now is. Throws a 4xx ProblemException when the
   * report does not fit.
   */
  async record(site: string, jobId: string, event: JobEvent): Promise<Job> {
    const at = this.instantOf(event);
    let before: Job | undefined;
    let after: Job;
    try {
      after = await this.jobs.update(jobId, (job) => {
        before = job;
        return apply(job, site, event, at);
      });
    } catch (error) {
      if (error instanceof JobNotFoundError) throw jobNotFound(jobId, '');
      throw error;
    }
    // Departures from the plan (finished, failed, progress off plan) are announced: the planner re-plans.
    const change = after === before ? undefined : changeOf(before!, event, at);
    if (change === 'cancelled') await this.changes.announce({ jobId, change, job: after });
    else if (change) await this.changes.announce({ jobId, change });
    return after;
  }

  /** For simulated sites: the report taken or moot is true; one to send again later (Redis away) is false. */
  async report(site: string, jobId: string, event: JobEvent): Promise<boolean> {
    try {
      await this.record(site, jobId, event);
      return true;
    } catch (error) {
      if (error instanceof ProblemException) return error.problem.type.endsWith(':not-running-yet') ? false : true;
      this.logger.warn(`report from ${site} on ${jobId} not taken: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * When the report says it happened: its `at`, or now. A site's clock a little ahead is taken as now: the job's GPUs
   * are free at the site from the moment its report is recorded, and its record must not end later than that.
   */
  private instantOf(event: JobEvent): DateTime {
    const now = this.clock.now();
    if (event.at === undefined) return now;
    const at = parseInstant(event.at);
    if (!at) throw ProblemException.invalid(422, [{ field: 'at', message: 'must be an ISO 8601 instant with offset' }]);
    if (at.toMillis() > now.toMillis() + CLOCK_SKEW_MS * this.clock.speed) {
      throw ProblemException.invalid(422, [{ field: 'at', message: `is in the future (service time ${now.toISO()})` }]);
    }
    return at < now ? at : now;
  }
}

function changeOf(before: Job, event: JobEvent, at: DateTime): Exclude<JobChange['change'], 'submitted'> | undefined {
  if (event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled') return event.type;
  return Math.abs(workDone(before, at) - event.doneHours) >= OFF_PLAN_HOURS ? 'off plan' : undefined;
}

/** The job after the event, or the same object when the event changes nothing (a repeat). */
function apply(job: Job, site: string, event: JobEvent, at: DateTime): Job {
  const here = job.run?.site === site;
  if (isTerminal(job.state)) {
    const repeat = here && event.type !== 'progress' && event.type !== 'checkpointed' && event.type === job.state;
    if (repeat) return job;
    throw ProblemException.of(
      409,
      'job-finished',
      'Job already finished',
      `Job ${job.id} is ${job.state}; the ${event.type} report changes nothing.`,
    );
  }
  if (!here || (job.state !== 'running' && job.state !== 'paused')) {
    // A start being carried out right now: the site may report before the service has recorded it.
    if (job.pendingAction?.site === site)
      throw ProblemException.of(
        409,
        'not-running-yet',
        'Job not running yet',
        `Job ${job.id} is being started at ${site}; report again shortly.`,
        {},
        { 'Retry-After': '1' },
      );
    throw ProblemException.of(
      409,
      'not-running-here',
      'Job not running at this site',
      `Job ${job.id} is ${job.state}${job.run ? ` (last at ${job.run.site})` : ''}, not running at ${site}.`,
    );
  }
  if (at.toMillis() < Date.parse(job.run!.reportedAt)) {
    throw ProblemException.of(
      409,
      'stale-event',
      'Report older than the last one',
      `Job ${job.id} has a report from ${job.run!.reportedAt}; this one is from ${at.toISO()}.`,
    );
  }
  switch (event.type) {
    case 'completed':
      return finished(job, 'completed', at, `completed at ${site}`);
    case 'failed':
      return finished(job, 'failed', at, `failed at ${site}: ${event.reason}`);
    case 'cancelled':
      return finished(job, 'cancelled', at, `cancelled at ${site}: ${event.reason}`);
    case 'progress':
    case 'checkpointed':
      if (event.doneHours > job.runtimeHours + 1e-9) {
        throw ProblemException.invalid(422, [
          { field: 'doneHours', message: `must not exceed the job's runtime of ${job.runtimeHours} h` },
        ]);
      }
      if (job.state !== 'running')
        throw ProblemException.of(
          409,
          'not-running-here',
          'Job is paused',
          `Job ${job.id} is paused; progress is reported while it runs.`,
        );
      return progressed(job, event.doneHours, at, event.type === 'checkpointed');
  }
}
