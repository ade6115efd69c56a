import type { DateTime } from 'luxon';
import type { Job } from '../jobs/job.js';
import type { JobPlan } from '../planner/plan-types.js';

/** What the plan does next with a job, and when: what an operator asks first about a job. */
export interface NextAction {
  action: 'start' | 'resume' | 'pause' | 'finish';
  at: string;
}

/**
 * The next change the plan makes to the job's state from `now`: a waiting job starts (or resumes)
 * at its next planned segment; a running job pauses where its segment ends and another follows,
 * or finishes at the end of its last one. A running job the plan has stopped pauses now.
 */
export function nextAction(
  job: Pick<Job, 'state'>,
  plan: Pick<JobPlan, 'segments'> | undefined,
  now: DateTime,
): NextAction | undefined {
  const segments = plan?.segments ?? [];
  const at = now.toMillis();
  if (job.state === 'running') {
    const index = segments.findIndex((s) => Date.parse(s.start) <= at && at < Date.parse(s.end));
    if (index < 0) return { action: 'pause', at: now.toUTC().toISO()! };
    // Segments at different sites that touch are a move, not a pause; the job keeps running.
    let last = index;
    while (last + 1 < segments.length && segments[last + 1].start === segments[last].end) last++;
    return { action: last === segments.length - 1 ? 'finish' : 'pause', at: segments[last].end };
  }
  if (job.state !== 'queued' && job.state !== 'scheduled' && job.state !== 'paused') return undefined;
  const next = segments.find((s) => Date.parse(s.end) > at);
  return next ? { action: job.state === 'paused' ? 'resume' : 'start', at: next.start } : undefined;
}
