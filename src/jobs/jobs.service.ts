import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig } from '../config/westwind-config.js';
import { jobNotFound } from '../common/job-errors.js';
import { ProblemException } from '../common/problem.js';
import { Job, JobState } from '../domain/jobs/job.js';
import { admitJob, JobRequest } from '../domain/jobs/job-admission.js';
import { isTerminal } from '../domain/jobs/job-state-machine.js';
import { finished } from '../domain/execution/job-run.js';
import type { Clock } from '../domain/time/clock.js';
import { IdempotencyRepository, StoredResponse } from '../idempotency/idempotency.repository.js';
import { PlanRepository } from '../plans/plan.repository.js';
import { DeadlineCheck } from './deadline-check.js';
import { JobChanges } from './job-changes.js';
import { JobNotFoundError, JobsRepository } from './jobs.repository.js';
import { newJobId } from './job-ids.js';

export interface Submission {
  response: StoredResponse & { body: Job };
  replayed: boolean;
}

const DEFAULT_PAGE_SIZE = 50;

/** A job's part of the current plan, as the API shows it. */
export interface PlannedJob {
  version: number;
  site: string | null;
  segments: { site: string; start: string; end: string; powerFraction?: number }[];
  expectedFinish: string | null;
  meetsDeadline: boolean;
  /** Chance (0–1, 3 decimals) of finishing late from peaks the load forecast may have wrong; null: not computed. */
  lateRisk: number | null;
  reason: string;
}

@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly config: WestwindConfig,
    private readonly plans: PlanRepository,
    private readonly deadlines: DeadlineCheck,
    private readonly changes: JobChanges,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Admits a job and stores it; with an Idempotency-Key, a repeat returns the first answer. */
  async submit(
    tenant: string,
    request: JobRequest & { acceptLate?: boolean },
    idempotencyKey?: string,
  ): Promise<Submission> {
    if (idempotencyKey === undefined) return { response: await this.admit(tenant, request), replayed: false };
    const fingerprint = this.idempotency.fingerprint('POST /v1/jobs', request);
    return (await this.idempotency.once(tenant, idempotencyKey, fingerprint, 'Idempotency-Key', (remember) =>
      this.admit(tenant, request, remember),
    )) as Submission;
  }

  async get(tenant: string, id: string): Promise<Job> {
    const job = await this.jobs.get(id);
    // Another tenant's job is reported exactly like a missing one, so ids reveal nothing.
    if (!job || job.tenant !== tenant) throw jobNotFound(id);
    return job;
  }

  /** The job with its part of the current plan: where and when it runs, its expected finish and why. */
  async getWithPlan(tenant: string, id: string): Promise<Job & { plan: PlannedJob | null }> {
    const job = await this.get(tenant, id);
    const [part, meta] = await Promise.all([this.plans.jobPlan(id), this.plans.meta()]);
    if (!part || !meta) return { ...job, plan: null };
    return {
      ...job,
      plan: {
        version: meta.version,
        site: part.site ?? null,
        segments: part.segments.map(({ site, start, end, powerFraction }) => ({
          site,
          start,
          end,
          ...(powerFraction !== undefined && powerFraction < 1 && job.power && { powerFraction }),
        })),
        expectedFinish: part.finish ?? null,
        meetsDeadline: part.meetsDeadline,
        // Plans stored before risks were computed have none.
        lateRisk: part.lateRisk === undefined ? null : Math.round(part.lateRisk * 1000) / 1000,
        reason: part.reason,
      },
    };
  }

  async list(
    tenant: string,
    state: JobState | undefined,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<{ items: Job[]; nextCursor?: string }> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await this.jobs.page(tenant, state, limit, after);
    return { items: page.jobs, nextCursor: page.after === undefined ? undefined : encodeCursor(page.after) };
  }

  /**
   * Cancels a live job; cancelling a cancelled job changes nothing; a finished one is a conflict.
   * A job its site holds (running or paused there) is cancelled at the site too (execution
   * listens for the cancel).
   */
  async cancel(tenant: string, id: string): Promise<Job> {
    await this.get(tenant, id);
    try {
      let cancelledNow = false;
      const after = await this.jobs.update(id, (job) => {
        cancelledNow = false; // update may call this again after a concurrent write
        if (job.state === 'cancelled') return job;
        if (isTerminal(job.state)) {
          throw ProblemException.of(
            409,
            'job-finished',
            'Job already finished',
            `Job ${id} is ${job.state} and can no longer be cancelled.`,
          );
        }
        cancelledNow = true;
        return finished(job, 'cancelled', this.clock.now(), 'cancelled by the tenant');
      });
      if (cancelledNow) await this.changes.announce({ jobId: id, change: 'cancelled', job: after });
      return after;
    } catch (error) {
      if (error instanceof JobNotFoundError) throw jobNotFound(id);
      throw error;
    }
  }

  private async admit(
    tenant: string,
    request: JobRequest & { acceptLate?: boolean },
    rememberAnswer?: (answer: StoredResponse, multi: ChainableCommander) => void,
  ): Promise<Submission['response']> {
    const now = this.clock.now();
    const { job, problems } = admitJob(request, this.config, { id: newJobId(now.toMillis()), tenant }, now);
    if (problems) throw ProblemException.invalid(422, problems);
    // Probed with or without acceptLate: a job queued late is marked so, and yields to the jobs accepted on time.
    const earliestFinish = await this.deadlines.lateFinish(job);
    if (earliestFinish && !request.acceptLate) {
      throw ProblemException.of(
        422,
        'deadline-not-feasible',
        'The deadline cannot be met',
        `With the current capacity, plan and forecasts the earliest finish is ${earliestFinish}. ` +
          'Move the deadline, or send "acceptLate": true to queue it anyway.',
        {
          earliestFinish,
          errors: [{ field: 'deadline', message: `cannot be met; earliest finish ${earliestFinish}` }],
        },
      );
    }
    if (earliestFinish) job.acceptedLate = { earliestFinish };
    const answer = { status: 201, body: job, location: `/v1/jobs/${job.id}` };
    await this.jobs.create(job, rememberAnswer && ((multi) => rememberAnswer(answer, multi)));
    await this.changes.announce({ jobId: job.id, change: 'submitted' });
    return answer;
  }
}

function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!/^[0-9a-f-]{36}$/.test(id)) {
    throw ProblemException.invalid(400, [
      { field: 'cursor', message: 'must be a nextCursor value from a previous page' },
    ]);
  }
  return id;
}
