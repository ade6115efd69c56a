import { ProblemException } from './problem.js';

/** 404 for a job the caller cannot see; `scope` says whose jobs were looked in. */
export function jobNotFound(id: string, scope = ' for this tenant'): ProblemException {
  return ProblemException.of(404, 'job-not-found', 'Job not found', `No job ${id}${scope}.`);
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A malformed id cannot name a job: answer as for any unknown one. */
export function checkedJobId(id: string, scope?: string): string {
  if (!JOB_ID.test(id)) throw jobNotFound(id, scope);
  return id;
}
