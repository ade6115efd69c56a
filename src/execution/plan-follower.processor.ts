import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { CLOCK } from '../config/config.module.js';
import { type Clock, hourlyRepeat } from '../domain/time/clock.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { Metrics } from '../metrics/metrics.js';
import type { ActionCounts } from '../planning/plan-dispatcher.js';
import { PlanRepository } from '../plans/plan.repository.js';
import { DispatchService } from './dispatch.service.js';
import {
  PLAN_FOLLOW_JOB,
  PLAN_FOLLOW_MIN_AGE_MS,
  PLAN_FOLLOW_QUEUE,
  PLAN_FOLLOW_SCHEDULER,
  STALE_PLAN_GRACE_MINUTES,
} from './execution.constants.js';

export type PlanFollowing = { followed: false } | { followed: true; planVersion: number; actions: ActionCounts };

/**
 * Follows the stored plan into a new hour whose own re-plan has not come within STALE_PLAN_GRACE_MINUTES (and
 * PLAN_FOLLOW_MIN_AGE_MS of real time since that plan): the starts, pauses and resumes the hour brings go out then,
 * not whenever that re-plan ends. The planner may be stuck (a long LP guide, a Redis outage) or no planner may run;
 * the hour's actions would wait for it. Each action is checked against the plan current when it is carried out
 * (DispatchProcessor), so a re-plan landing meanwhile wins. Runs in the dispatch role, on its own queue (the planning
 * queue runs one re-plan at a time); one job per hour.
 */
@Processor(PLAN_FOLLOW_QUEUE)
export class PlanFollower extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('PlanFollower');

  constructor(
    @InjectQueue(PLAN_FOLLOW_QUEUE) private readonly queue: Queue,
    private readonly plans: PlanRepository,
    private readonly jobs: JobsRepository,
    private readonly dispatch: DispatchService,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      PLAN_FOLLOW_SCHEDULER,
      hourlyRepeat(this.clock, STALE_PLAN_GRACE_MINUTES * 60_000),
      {
        name: PLAN_FOLLOW_JOB,
        opts: { removeOnComplete: 100, removeOnFail: 100 },
      },
    );
  }

  async process(): Promise<PlanFollowing> {
    const meta = await this.plans.meta();
    const now = this.clock.now();
    // No plan yet; or the hour's re-plan came first (it dispatched its plan); or it is only slow.
    if (
      !meta ||
      Date.parse(meta.start) >= now.startOf('hour').toMillis() ||
      (now.toMillis() - Date.parse(meta.createdAt)) / this.clock.speed < PLAN_FOLLOW_MIN_AGE_MS
    )
      return { followed: false };
    const jobs = await this.jobs.active();
    const parts = (await this.plans.jobPlans(jobs.map((job) => job.id))).filter((part) => part !== undefined);
    const actions = await this.dispatch.dispatchPlan(meta.version, parts, jobs);
    this.metrics.planFollows.inc();
    if (Object.keys(actions).length > 0)
      this.logger.log(`plan ${meta.version} followed into the hour before its re-plan: ${JSON.stringify(actions)}`);
    return { followed: true, planVersion: meta.version, actions };
  }
}
