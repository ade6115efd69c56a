import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CLOCK } from '../config/config.module.js';
import { actionsFor, cancelCommand } from '../domain/execution/dispatch-decision.js';
import type { DispatchActionName, Job } from '../domain/jobs/job.js';
import type { JobPlan } from '../domain/planner/plan-types.js';
import type { Clock } from '../domain/time/clock.js';
import { JobChanges } from '../jobs/job-changes.js';
import { PlanDispatcher } from '../planning/plan-dispatcher.js';
import { DispatchQueues } from './dispatch-queues.js';
import { SiteExecutors } from './site-executors.js';

/** Turns a plan into the actions due now at each site, and a job's cancel into a cancel at its site. */
@Injectable()
export class DispatchService implements PlanDispatcher, OnModuleInit, OnModuleDestroy {
  private stopListening?: () => void;

  constructor(
    private readonly queues: DispatchQueues,
    private readonly changes: JobChanges,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly executors: SiteExecutors,
  ) {}

  onModuleInit(): void {
    this.stopListening = this.changes.listen((change) =>
      change.change === 'cancelled' ? this.cancelAtSite(change.job) : undefined,
    );
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  /** A job cancelled while its site holds it (running or paused there) is cancelled at the site too. */
  private async cancelAtSite(job: Job): Promise<void> {
    const atSite = cancelCommand(job);
    if (atSite) await this.queues.send([atSite]);
  }

  /**
   * After a re-plan (and into an hour whose re-plan is late, PlanFollower): every job whose state differs from
   * what its plan says for this moment gets the action that brings it there, and a running job whose
   * planned power fraction differs from the one it runs at gets a setPower (at sites that can cap
   * power). A job with an action in flight is left to it; the next round looks again.
   */
  async dispatchPlan(
    version: number,
    parts: readonly JobPlan[],
    jobs: readonly Job[],
  ): Promise<Partial<Record<DispatchActionName, number>>> {
    const now = this.clock.now();
    const byJob = new Map(parts.map((p) => [p.jobId, p]));
    const commands = jobs
      .filter((job) => !job.pendingAction)
      .flatMap((job) => actionsFor(job, byJob.get(job.id), version, now, this.executors.dispatchSites));
    await this.queues.send(commands);
    const counts: Partial<Record<DispatchActionName, number>> = {};
    for (const c of commands) counts[c.action] = (counts[c.action] ?? 0) + 1;
    return counts;
  }
}
