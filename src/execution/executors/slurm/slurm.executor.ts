import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { SlurmExecutorConfig } from '../../../config/westwind-config.js';
import type { SlurmJobSpec } from '../../../domain/jobs/slurm-job-spec.js';
import { RedisKeys } from '../../../redis/redis-keys.js';
import { ExecutorError } from '../http/http.executor.js';
import type { ExecutorOrder, SiteExecutor } from '../site-executor.js';
import { SlurmCli, SlurmCommandError } from './slurm-cli.js';
import {
  isFinished,
  LINE_FORMAT,
  parseSqueueJson,
  parseSqueueLines,
  siteOfComment,
  slurmComment,
  slurmJobName,
  type SlurmJob,
} from './slurm-queue.js';

/** The job's PATH when it sets none: Westwind's own PATH stays Westwind's. */
const DEFAULT_JOB_PATH = '/usr/local/bin:/usr/bin:/bin';
/** An action re-reads the job's state and tries again this often when Slurm's state moved under it. */
const ACTION_TRIES = 3;

/** What a job needs to be submitted to Slurm: the order's job, or the planned job the poll admits early. */
export interface SlurmSubmission {
  jobId: string;
  name: string;
  gpus: number;
  slurm?: SlurmJobSpec;
  plannedStart?: string;
}

/**
 * Drives one Slurm cluster (a site) through its client commands. A job is submitted once, held
 * (`sbatch --hold --requeue`), named westwind-<job id> so that Westwind finds it again after a
 * crash instead of submitting it twice; start and resume release it, pause requeue-holds (or
 * suspends) it, cancel cancels it. Each action reads the job's state first and does only what is
 * missing, so an action carried out twice acts once. The site's queue is followed by `snapshot`
 * (one `squeue --json` per poll), see SlurmSites.
 */
export class SlurmExecutor implements SiteExecutor {
  readonly cli: SlurmCli;

  constructor(
    readonly site: string,
    readonly config: SlurmExecutorConfig,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.cli = new SlurmCli({ slurmConf: config.slurmConf, binDir: config.binDir, timeoutMs: config.timeoutMs });
  }

  async perform(order: ExecutorOrder): Promise<void> {
    try {
      switch (order.action) {
        case 'start':
        case 'resume':
          return await this.act(
            () => this.submitOnce(submissionOf(order)),
            (job) => this.release(job),
          );
        case 'pause':
          return await this.act(
            async () => (await this.find(order.jobId)) ?? this.missing(order),
            (job) => this.hold(job),
          );
        case 'cancel':
          return await this.cancel(order.jobId);
        default:
          return exhaustive(order.action);
      }
    } catch (error) {
      if (error instanceof SlurmCommandError)
        throw new ExecutorError(`${order.action} at ${this.site}: ${error.message}`);
      throw error;
    }
  }

  /** Every Westwind job's Slurm jobs at this site, in one `squeue --json` call. */
  async snapshot(): Promise<SlurmJob[]> {
    const jobs = parseSqueueJson(await this.cli.run('squeue', ['--json', '--states=all']));
    return jobs.filter((job) => siteOfComment(job.comment, job.name.slice('westwind-'.length)) === this.site);
  }

  /** The job's Slurm job here: a live one (newest first), else the newest that ended. */
  async find(jobId: string): Promise<SlurmJob | undefined> {
    const lines = await this.cli.run('squeue', [
      '--noheader',
      '--states=all',
      `--name=${slurmJobName(jobId)}`,
      `--format=${LINE_FORMAT}`,
    ]);
    const here = parseSqueueLines(lines)
      .filter((job) => siteOfComment(job.comment, jobId) === this.site)
      .sort((a, b) => b.id - a.id);
    return here.find((job) => !isFinished(job)) ?? here[0];
  }

  /**
   * Submits the job held, unless it already is (live, or ended after running: the poll reports how).
   * One submission at a time per job across instances; a submission cut short by a crash is found
   * by name before submitting again.
   */
  async submitOnce(submission: SlurmSubmission): Promise<SlurmJob> {
    const existing = await this.find(submission.jobId);
    if (existing && !cancelledUnstarted(existing)) return existing;
    if (!submission.slurm)
      throw new ExecutorError(
        `job ${submission.jobId} has no Slurm batch script or command (its "slurm" field), so ${this.site} cannot run it`,
      );
    const lock = this.keys.slurmSubmitting(this.site, submission.jobId);
    const token = randomUUID();
    if ((await this.redis.set(lock, token, 'PX', this.config.timeoutMs * 3 + 10_000, 'NX')) !== 'OK') {
      throw new ExecutorError(`job ${submission.jobId} is being submitted to ${this.site} by another worker`);
    }
    try {
      const again = await this.find(submission.jobId);
      if (again && !cancelledUnstarted(again)) return again;
      const id = Number((await this.sbatch(submission)).trim().split(';')[0]);
      return {
        id,
        name: slurmJobName(submission.jobId),
        comment: '',
        state: 'PENDING',
        reason: 'JobHeldUser',
        held: true,
      };
    } finally {
      // Only our own lock: one that ran out and was taken by another worker stays theirs.
      await this.redis
        .eval(
          "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
          1,
          lock,
          token,
        )
        .catch(() => undefined);
    }
  }

  /** Rewrites a Slurm job's comment when the planned start it names changed. */
  async describe(job: SlurmJob, submission: SlurmSubmission): Promise<void> {
    const comment = slurmComment(submission.jobId, this.site, submission.name, submission.plannedStart);
    if (job.comment !== comment) await this.cli.run('scontrol', ['update', `JobId=${job.id}`, `Comment=${comment}`]);
  }

  /** Cancels every Slurm job of the Westwind job at this site that has not ended. */
  async cancel(jobId: string): Promise<void> {
    const lines = await this.cli.run('squeue', [
      '--noheader',
      '--states=all',
      `--name=${slurmJobName(jobId)}`,
      `--format=${LINE_FORMAT}`,
    ]);
    const live = parseSqueueLines(lines).filter(
      (job) => siteOfComment(job.comment, jobId) === this.site && !isFinished(job),
    );
    for (const job of live) await this.cli.run('scancel', [String(job.id)]);
  }

  private sbatch(submission: SlurmSubmission): Promise<string> {
    const spec = submission.slurm!;
    const nodes = spec.nodes ?? 1;
    const args = [
      '--parsable',
      '--hold',
      '--requeue',
      `--job-name=${slurmJobName(submission.jobId)}`,
      `--comment=${slurmComment(submission.jobId, this.site, submission.name, submission.plannedStart)}`,
      ...(this.config.partition ? [`--partition=${this.config.partition}`] : []),
      ...(this.config.account ? [`--account=${this.config.account}`] : []),
      ...(this.config.qos ? [`--qos=${this.config.qos}`] : []),
      `--nodes=${nodes}`,
      `--gres=gpu:${Math.ceil(submission.gpus / nodes)}`,
      ...(spec.timeLimitMinutes ? [`--time=${spec.timeLimitMinutes}`] : []),
      ...(spec.workdir ? [`--chdir=${spec.workdir}`] : []),
      ...(spec.output ? [`--output=${spec.output}`] : []),
      // A requeued job appends to its output instead of starting it afresh: both runs stay readable.
      '--open-mode=append',
      // The job's environment is exactly this (plus Slurm's SLURM_*), never Westwind's own.
      '--export-file=3',
      ...(spec.command !== undefined ? [`--wrap=${spec.command}`] : []),
    ];
    const environment = {
      PATH: DEFAULT_JOB_PATH,
      ...spec.environment,
      WESTWIND_JOB_ID: submission.jobId,
      WESTWIND_SITE: this.site,
    };
    const fd3 = Object.entries(environment)
      .map(([name, value]) => `${name}=${value}\0`)
      .join('');
    return this.cli.run('sbatch', args, { input: spec.command === undefined ? spec.script : undefined, fd3 });
  }

  /** Reads the job, does what is missing; reads again when Slurm's state changed in between (a pending job started). */
  private async act(load: () => Promise<SlurmJob>, step: (job: SlurmJob) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const job = await load();
      try {
        return await step(job);
      } catch (error) {
        if (!(error instanceof SlurmCommandError) || error.unreachable || attempt >= ACTION_TRIES) throw error;
      }
    }
  }

  private missing(order: ExecutorOrder): never {
    throw new ExecutorError(`${order.action} at ${this.site}: no Slurm job ${slurmJobName(order.jobId)} in its queue`);
  }

  /** start and resume: a held job is released (eligible now: a requeued job would wait ~2 min), a suspended one resumed. */
  private async release(job: SlurmJob): Promise<void> {
    if (job.state === 'SUSPENDED') {
      await this.cli.run('scontrol', ['resume', String(job.id)]);
    } else if (job.held) {
      await this.cli.run('scontrol', ['update', `JobId=${job.id}`, 'StartTime=now']);
      await this.cli.run('scontrol', ['release', String(job.id)]);
    } else if (job.state === 'PENDING' && job.reason === 'BeginTime') {
      await this.cli.run('scontrol', ['update', `JobId=${job.id}`, 'StartTime=now']);
    } else if (job.state === 'COMPLETING') {
      throw new ExecutorError(`Slurm job ${job.id} is still completing its requeue; try again`);
    }
    // Running, pending released, or ended (the poll reports how): nothing to do.
  }

  /** pause: requeue-hold (SIGTERM, checkpoint, GPUs freed) or suspend a running job; hold a pending one. */
  private async hold(job: SlurmJob): Promise<void> {
    if (job.held || isFinished(job) || job.state === 'COMPLETING') return;
    if (job.state === 'SUSPENDED' && this.config.pauseMode === 'suspend') return;
    if (job.state === 'PENDING') {
      await this.cli.run('scontrol', ['hold', String(job.id)]);
    } else if (this.config.pauseMode === 'suspend') {
      await this.cli.run('scontrol', ['suspend', String(job.id)]);
    } else {
      await this.cli.run('scontrol', ['requeuehold', String(job.id)]);
    }
  }
}

function exhaustive(action: never): never {
  throw new Error(`unknown action ${String(action)}`);
}

function submissionOf(order: ExecutorOrder): SlurmSubmission {
  return {
    jobId: order.jobId,
    name: order.job.name,
    gpus: order.job.gpus,
    slurm: order.job.slurm,
    plannedStart: order.at,
  };
}

/**
 * A Slurm job cancelled while held (the plan moved the job elsewhere, or it was called off before it
 * started): it never ran, so the job may be submitted anew. One that ran and ended is not: the poll
 * reports how it ended.
 */
function cancelledUnstarted(job: SlurmJob): boolean {
  return job.state === 'CANCELLED' && job.reason.startsWith('JobHeld');
}
