import { Inject, Injectable } from '@nestjs/common';
import { CLOCK } from '../config/config.module.js';
import { actionsFor } from '../domain/execution/dispatch-decision.js';
import type { DispatchActionName, Job } from '../domain/jobs/job.js';
import type { JobPlan } from '../domain/planner/plan-types.js';
import type { Clock } from '../domain/time/clock.js';
import { DispatchQueues } from './dispatch-queues.js';

/** Turns a plan into the actions due now at each site. */
@Injectable()
export class DispatchService {
  constructor(
    private readonly queues: DispatchQueues,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * After a re-plan (and at each hour boundary, which re-plans): every job whose state differs from
   * what its plan says for this moment gets the action that brings it there. A job with an action
   * in flight is left to it; the next round looks again.
   */
  async dispatchPlan(version: number, parts: readonly JobPlan[], jobs: readonly Job[]): Promise<Partial<Record<DispatchActionName, number>>> {
    const now = this.clock.now();
    const byJob = new Map(parts.map((p) => [p.jobId, p]));
    const commands = jobs.filter((job) => !job.pendingAction).flatMap((job) => actionsFor(job, byJob.get(job.id), version, now));
    await this.queues.send(commands);
    const counts: Partial<Record<DispatchActionName, number>> = {};
    for (const c of commands) counts[c.action] = (counts[c.action] ?? 0) + 1;
    return counts;
  }

}
