import { JobState } from '../domain/jobs/job.js';

/** Every Redis key Westwind writes, in one place, all under the configured prefix. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  job(id: string): string {
    return `${this.prefix}job:${id}`;
  }

  /** A tenant's jobs, newest first by id (ids are time-ordered UUIDv7). */
  tenantJobs(tenant: string): string {
    return `${this.prefix}tenant:${tenant}:jobs`;
  }

  tenantJobsInState(tenant: string, state: JobState): string {
    return `${this.prefix}tenant:${tenant}:jobs:${state}`;
  }

  /** Every job not yet finished, scored by submission time: what the planner plans. */
  activeJobs(): string {
    return `${this.prefix}jobs:active`;
  }

  idempotency(scope: string, key: string): string {
    return `${this.prefix}idempotency:${scope}:${key}`;
  }
}
