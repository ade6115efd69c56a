/**
 * Slurm's view of Westwind's jobs, read from `squeue`. In 22.05 `squeue --json` answers with the
 * OpenAPI v0.0.38 document and ignores every filter (all jobs, finished ones included while slurmctld
 * keeps them, MinJobAge): the poll reads it once per site; an action asks for its own job by name
 * with the plain format, which does filter.
 */

/** Slurm's base job states that are over: the job will not run again unless requeued. */
export const FINISHED_STATES = [
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
] as const;

export interface SlurmJob {
  id: number;
  /** westwind-<job id>: how Westwind finds its jobs again, even one it submitted just before a crash. */
  name: string;
  comment: string;
  state: string;
  reason: string;
  /** Held (by --hold, requeuehold or scontrol hold): pending with priority 0. */
  held: boolean;
  /** From the JSON poll only. */
  exitCode?: number;
  signal?: number;
  /** Epoch seconds; 0 while it never started (JSON poll only). */
  startTime?: number;
}

/** The Slurm job name of a Westwind job. */
export function slurmJobName(jobId: string): string {
  return `westwind-${jobId}`;
}

/** The Westwind job id a Slurm job name stands for, if it is one of Westwind's. */
export function westwindJobIdOf(name: string): string | undefined {
  return name.startsWith('westwind-') ? name.slice('westwind-'.length) : undefined;
}

/** The comment: names Westwind, the job, the site and (when known) the planned start, for people reading squeue. */
export function slurmComment(jobId: string, site: string, jobName: string, plannedStart?: string): string {
  const name = jobName.replace(/\s+/g, ' ').slice(0, 80);
  return `westwind job ${jobId} at ${site}: ${name}${plannedStart ? `; planned start ${plannedStart}` : ''}`;
}

/** The site a comment names (jobs of one cluster may belong to several Westwind sites). */
export function siteOfComment(comment: string, jobId: string): string | undefined {
  const prefix = `westwind job ${jobId} at `;
  if (!comment.startsWith(prefix)) return undefined;
  return comment.slice(prefix.length).split(':', 1)[0];
}

export function isFinished(job: SlurmJob): boolean {
  return (FINISHED_STATES as readonly string[]).includes(job.state);
}

/** Pending or running, not held: Slurm will run it or runs it. */
export function isReleased(job: SlurmJob): boolean {
  return !job.held && !isFinished(job) && job.state !== 'SUSPENDED';
}

/**
 * Slurm's jobs of each Westwind job at one site in `squeue -o LINE_FORMAT` output, newest first: the
 * jobs of one cluster may belong to several Westwind sites (the comment names the site).
 */
export function jobsBySite(jobs: readonly SlurmJob[], site: string): Map<string, SlurmJob[]> {
  const byJob = new Map<string, SlurmJob[]>();
  for (const job of [...jobs].sort((a, b) => b.id - a.id)) {
    const jobId = westwindJobIdOf(job.name);
    if (jobId === undefined || siteOfComment(job.comment, jobId) !== site) continue;
    byJob.set(jobId, [...(byJob.get(jobId) ?? []), job]);
  }
  return byJob;
}

/** The Slurm job that stands for a Westwind job: a live one (newest first), else the newest that ended. */
export function current(newestFirst: readonly SlurmJob[]): SlurmJob | undefined {
  return newestFirst.find((job) => !isFinished(job)) ?? newestFirst[0];
}

/** The format of `squeue -o` for one job's lines: the comment last, as it may contain the separator. */
export const LINE_FORMAT = '%i|%T|%r|%Q|%j|%k';

/** Parses `squeue -h -o LINE_FORMAT` output. */
export function parseSqueueLines(text: string): SlurmJob[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, state, reason, priority, name, ...comment] = line.split('|');
      const text = comment.join('|');
      return heldOrNot(
        { id: Number(id), state, reason, name, comment: text === '(null)' ? '' : text },
        Number(priority),
      );
    });
}

/** The fields of squeue's v0.0.38 job record that Westwind reads (checked against 22.05.8's output). */
interface SqueueJsonJob {
  job_id: number;
  name: string;
  comment?: string;
  job_state: string;
  state_reason?: string;
  priority?: number;
  /** A wait status: exit code << 8 | signal. */
  exit_code?: number;
  start_time?: number;
}

/** Parses `squeue --json`: Westwind's jobs only (by name). Throws on a document that is not v0.0.38-shaped. */
export function parseSqueueJson(text: string): SlurmJob[] {
  const document = JSON.parse(text) as { jobs?: SqueueJsonJob[]; errors?: unknown[] };
  if (!Array.isArray(document.jobs)) throw new Error('squeue --json: no jobs array (not the v0.0.38 document)');
  return document.jobs
    .filter((j) => typeof j.name === 'string' && westwindJobIdOf(j.name) !== undefined)
    .map((j) => {
      const status = j.exit_code ?? 0;
      return {
        ...heldOrNot(
          { id: j.job_id, name: j.name, comment: j.comment ?? '', state: j.job_state, reason: j.state_reason ?? '' },
          j.priority ?? 1,
        ),
        exitCode: status >> 8,
        signal: status & 0x7f,
        startTime: j.start_time ?? 0,
      };
    });
}

function heldOrNot(job: Omit<SlurmJob, 'held'>, priority: number): SlurmJob {
  return { ...job, held: job.state === 'PENDING' && (priority === 0 || job.reason.startsWith('JobHeld')) };
}

/**
 * Why a finished Slurm job did not complete, for the Westwind job's record: the exit code for a
 * script that failed, Slurm's state otherwise (TIMEOUT, OUT_OF_MEMORY, NODE_FAIL…).
 */
export function failureOf(job: SlurmJob): string {
  const ref = `Slurm job ${job.id}`;
  switch (job.state) {
    case 'FAILED':
      return job.signal ? `${ref} FAILED: killed by signal ${job.signal}` : `${ref} FAILED: exit code ${job.exitCode}`;
    case 'TIMEOUT':
      return `${ref} TIMEOUT: reached its time limit`;
    case 'OUT_OF_MEMORY':
      return `${ref} OUT_OF_MEMORY: exceeded its memory`;
    case 'NODE_FAIL':
      return `${ref} NODE_FAIL: a node it ran on failed`;
    default:
      return `${ref} ${job.state}${job.reason && job.reason !== 'None' ? ` (${job.reason})` : ''}`;
  }
}
