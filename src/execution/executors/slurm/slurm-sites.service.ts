import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CLOCK } from '../../../config/config.module.js';
import type { Job, SlurmJobStatus } from '../../../domain/jobs/job.js';
import { isTerminal } from '../../../domain/jobs/job-state-machine.js';
import type { Clock } from '../../../domain/time/clock.js';
import { formatInstant } from '../../../domain/time/instant.js';
import { JobsRepository } from '../../../jobs/jobs.repository.js';
import { PlanRepository } from '../../../plans/plan.repository.js';
import { JobEventsService } from '../../job-events.service.js';
import { SiteExecutors } from '../../site-executors.js';
import { SlurmCommandError } from './slurm-cli.js';
import { failureOf, isFinished, type SlurmJob, westwindJobIdOf } from './slurm-queue.js';
import type { SlurmExecutor, SlurmSubmission } from './slurm.executor.js';

/**
 * Follows each Slurm site's queue (the `dispatch` role), one `squeue --json` per site per poll:
 * - a job running or paused there that Slurm ended is reported completed, failed (exit code,
 *   TIMEOUT, OUT_OF_MEMORY, NODE_FAIL…) or, when its owner cancelled it with scancel, cancelled;
 *   at start-up this reconciles whatever ended while Westwind was down;
 * - a job planned to start there is submitted held ahead of its start, so people see it in squeue;
 * - a held job Westwind no longer wants there (cancelled, moved to another site) is cancelled.
 */
@Injectable()
export class SlurmSites implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SlurmSites');
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly busy = new Set<string>();
  /**
   * Per site: jobs that ended in Westwind since the last round, or whose Slurm job had not ended yet
   * (a cancel in flight): their record follows Slurm until it shows how the Slurm job ended.
   */
  private readonly trailing = new Map<string, Set<string>>();
  private readonly lastActive = new Map<string, Set<string>>();
  private stopped = false;

  constructor(
    private readonly executors: SiteExecutors,
    private readonly events: JobEventsService,
    private readonly jobs: JobsRepository,
    private readonly plans: PlanRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    for (const site of this.executors.slurm()) {
      void this.poll(site);
      this.timers.push(setInterval(() => void this.poll(site), site.config.pollMs));
    }
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.timers.forEach(clearInterval);
  }

  /** One round for one site; a round still running when the next is due is not doubled. */
  async poll(site: SlurmExecutor): Promise<void> {
    if (this.busy.has(site.site) || this.stopped) return;
    this.busy.add(site.site);
    try {
      await this.round(site);
    } catch (error) {
      this.logger.warn(`${site.site}: ${(error as Error).message}`);
    } finally {
      this.busy.delete(site.site);
    }
  }

  private async round(site: SlurmExecutor): Promise<void> {
    // The jobs first, then Slurm: a job Westwind recorded as started is then surely in the snapshot.
    const active = await this.jobs.active();
    const snapshot = await site.snapshot();
    const bySlurm = new Map<string, SlurmJob[]>();
    for (const slurmJob of snapshot) {
      const id = westwindJobIdOf(slurmJob.name)!;
      bySlurm.set(id, [...(bySlurm.get(id) ?? []), slurmJob]);
    }
    const activeIds = new Set(active.map((job) => job.id));
    const admissions: SlurmSubmission[] = [];
    for (const job of active) {
      if (this.stopped) return;
      const here = bySlurm.get(job.id) ?? [];
      try {
        await this.recordStatus(site, job, here);
        if (job.pendingAction) continue; // an action is changing it: look next round
        if (job.run?.site === site.site && (job.state === 'running' || job.state === 'paused'))
          await this.follow(site, job, here);
        else {
          const admission = await this.admitOrClean(site, job, here);
          if (admission) admissions.push(admission);
        }
      } catch (error) {
        // Slurm unreachable fails the round; anything else concerns this job only.
        if (error instanceof SlurmCommandError && error.unreachable) throw error;
        this.logger.warn(`${site.site}, job ${job.id}: ${(error as Error).message}`);
      }
    }
    // Submitted together: one squeue for all of them, a few sbatch at once.
    const admitted = admissions.length > 0 && !this.stopped ? await site.submitAll(admissions) : [];
    admitted.forEach((outcome, i) => {
      if (!(outcome instanceof Error)) return;
      if (outcome instanceof SlurmCommandError && outcome.unreachable) throw outcome;
      this.logger.warn(`${site.site}, job ${admissions[i].jobId}: ${outcome.message}`);
    });
    // Slurm jobs of jobs that are over (cancelled before they started): nothing should stay held.
    const trailing = this.trailing.get(site.site) ?? new Set<string>();
    this.trailing.set(site.site, trailing);
    for (const id of this.lastActive.get(site.site) ?? []) if (!activeIds.has(id)) trailing.add(id);
    this.lastActive.set(site.site, activeIds);
    for (const [jobId, list] of bySlurm) {
      if (activeIds.has(jobId) || (!list.some((j) => !isFinished(j)) && !trailing.has(jobId))) continue;
      const job = await this.jobs.get(jobId);
      // Unknown here: another Westwind deployment's job on the same cluster, left alone.
      if (!job || !isTerminal(job.state)) continue;
      // The record shows how Slurm ended it too (a DELETE ends the Westwind job before Slurm's).
      await this.recordStatus(site, job, list);
      if (list.some((j) => !isFinished(j))) {
        trailing.add(jobId);
        await site.cancel(jobId);
      } else {
        // Over in Westwind and in Slurm: the script's events token has nothing left to report on.
        trailing.delete(jobId);
        await site.tokens.revoke(jobId);
      }
    }
    for (const id of trailing) if (!bySlurm.has(id)) trailing.delete(id);
  }

  /** Stores the job's newest Slurm job's id and state on its record when they changed (one write per change). */
  private async recordStatus(site: SlurmExecutor, job: Job, here: SlurmJob[]): Promise<void> {
    const current = newest(here);
    // A job that moved on from this site keeps the record of where it is now.
    const ours = job.slurmJob?.site === site.site || job.run?.site === site.site || here.some((j) => !isFinished(j));
    if (!current || !ours) return;
    const seen = statusOf(site.site, current, formatInstant(this.clock.now()));
    if (sameStatus(job.slurmJob, seen)) return;
    await this.jobs.update(job.id, (latest) =>
      sameStatus(latest.slurmJob, seen) ? latest : { ...latest, slurmJob: seen },
    );
  }

  /** A job running or paused at this site: reports how Slurm ended it. */
  private async follow(site: SlurmExecutor, job: Job, here: SlurmJob[]): Promise<void> {
    const live = here.find((j) => !isFinished(j));
    if (live) return;
    const ended = here.sort((a, b) => b.id - a.id)[0];
    const at = formatInstant(this.clock.now());
    if (!ended) {
      await this.events.report(site.site, job.id, {
        type: 'failed',
        reason:
          `its Slurm job is no longer in ${site.site}'s queue ` +
          "(ended while Westwind was away longer than Slurm's MinJobAge?)",
        at,
      });
    } else if (ended.state === 'COMPLETED') {
      await this.events.report(site.site, job.id, { type: 'completed', at });
    } else if (ended.state === 'CANCELLED') {
      await this.events.report(site.site, job.id, {
        type: 'cancelled',
        reason: `Slurm job ${ended.id} was cancelled in Slurm (scancel)`,
        at,
      });
    } else {
      await this.events.report(site.site, job.id, { type: 'failed', reason: failureOf(ended), at });
    }
  }

  /**
   * A job not running here: to be submitted held (returned) when its plan starts it here, its held
   * Slurm job cancelled when not.
   */
  private async admitOrClean(site: SlurmExecutor, job: Job, here: SlurmJob[]): Promise<SlurmSubmission | undefined> {
    const live = here.filter((j) => !isFinished(j));
    const waiting = job.state === 'queued' || job.state === 'scheduled';
    const part = waiting && job.slurm ? await this.plans.jobPlan(job.id) : undefined;
    const first = part?.segments[0];
    if (waiting && first?.site === site.site) {
      const submission = { jobId: job.id, name: job.name, gpus: job.gpus, slurm: job.slurm, plannedStart: first.start };
      if (live.length === 0) return submission;
      // A re-plan moved its start: the comment people read in squeue follows.
      for (const held of live.filter((j) => j.held)) await site.describe(held, submission);
      return undefined;
    }
    const undecided = waiting && !first;
    // Planned at another site now, or resumed elsewhere after a pause here: the held job goes.
    if (!undecided && live.length > 0 && live.every((j) => j.held)) await site.cancel(job.id);
    return undefined;
  }
}

/** The Slurm job that stands for the job now: a live one (newest first), else the newest that ended. */
function newest(here: SlurmJob[]): SlurmJob | undefined {
  const sorted = [...here].sort((a, b) => b.id - a.id);
  return sorted.find((j) => !isFinished(j)) ?? sorted[0];
}

function statusOf(site: string, job: SlurmJob, seenAt: string): SlurmJobStatus {
  const reason = job.reason && job.reason !== 'None' ? job.reason : undefined;
  return { site, id: job.id, state: job.state, ...(reason && { reason }), held: job.held, seenAt };
}

function sameStatus(a: SlurmJobStatus | undefined, b: SlurmJobStatus): boolean {
  return !!a && a.site === b.site && a.id === b.id && a.state === b.state && a.reason === b.reason && a.held === b.held;
}
